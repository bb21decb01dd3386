// Measure measures the cost constants of conclab's java profile on this
// machine, as runtime/measure.py does for cpython, and prints the same
// JSON document: for every constant the median over the runs, the smallest
// and largest run and how many runs, and the machine it ran on. Times are
// in nanoseconds, sizes in bytes. Each measurement prints one progress line
// on stderr:
//
//     measure: 3/36 ThreadStart run 1/3 = 112000.0 ns
//
// `conclab calibrate --runtime java` compiles it with javac, runs it with
// java and turns its output into a profile. Linux only (memory is read
// from /proc). It measures what the programs of `conclab export --runtime
// java` do: a worker process is this class run again by a fresh JVM, which
// warms up as the exported program's workers do before it says it is up.
//
// Run: javac -d DIR Measure.java && java -cp DIR Measure [--runs N] [--quick]

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

final class Measure {
    static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();
    static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    static volatile long sink;
    static int scale = 1;  // 10 with --quick: a tenth of the repetitions

    static long cpu() {
        return OS.getProcessCpuTime();
    }

    // work and park are the exported program's work and wait.
    static void work(double seconds) {
        long clock = THREAD_CPU.getCurrentThreadCpuTime();
        long end = clock + Math.round(seconds * 1e9);
        long x = clock, size = 64;
        while (clock < end) {
            for (long i = 0; i < size; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            long before = clock;
            clock = THREAD_CPU.getCurrentThreadCpuTime();
            if (clock > before) {
                size = Math.max(1, Math.round(Math.min(50_000, end - clock) * ((double) size / (clock - before))));
            }
        }
        sink = x;
    }

    static void park(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    static long[] status(long pid) throws IOException {
        long rss = 0, vm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + (pid < 0 ? "self" : Long.toString(pid)) + "/status"))) {
            String[] f = line.trim().split("\\s+");
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(f[1]) * 1024;
            } else if (line.startsWith("VmSize:")) {
                vm = Long.parseLong(f[1]) * 1024;
            }
        }
        return new long[] {rss, vm};
    }

    // ThreadStart: elapsed time per Thread.start() of threads that stay
    // alive (parked on a latch until all have started).
    static double threadStart() throws Exception {
        int n = 1000 / scale;
        CountDownLatch release = new CountDownLatch(1);
        Thread[] ts = new Thread[n];
        for (int i = 0; i < n; i++) {
            ts[i] = new Thread(() -> await(release));
        }
        long t0 = System.nanoTime();
        for (Thread t : ts) {
            t.start();
        }
        long dt = System.nanoTime() - t0;
        release.countDown();
        for (Thread t : ts) {
            t.join();
        }
        return (double) dt / n;
    }

    static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    // PoolSubmit and PoolTask: CPU of the submitting thread per submit() to
    // a fixed pool of one thread held busy, and CPU of that thread per
    // queued task it then drains. Thread CPU clocks (ThreadMXBean), not the
    // process's, which Linux counts in ticks of 10 ms.
    @SuppressWarnings("deprecation")  // Thread.threadId() is Java 19's name for getId()
    static double[] pool() throws Exception {
        int n = 20000 / scale;
        ExecutorService ex = Executors.newFixedThreadPool(1);
        CountDownLatch release = new CountDownLatch(1);
        long worker = ex.submit(() -> Thread.currentThread().getId()).get();
        ex.submit(() -> await(release));
        List<Future<?>> fs = new ArrayList<>(n);
        Runnable noop = () -> { };
        long c0 = THREAD_CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            fs.add(ex.submit(noop));
        }
        long c1 = THREAD_CPU.getCurrentThreadCpuTime();
        long w0 = THREAD_CPU.getThreadCpuTime(worker);
        release.countDown();
        fs.get(n - 1).get();
        long w1 = THREAD_CPU.getThreadCpuTime(worker);
        ex.shutdown();
        return new double[] {(double) (c1 - c0) / n, (double) (w1 - w0) / n};
    }

    // WakeLatency: median elapsed time from unparking a thread parked on
    // LockSupport.park to its run.
    static double wakeLatency() throws Exception {
        int n = 2000 / scale;
        AtomicLongArray sent = new AtomicLongArray(n), woke = new AtomicLongArray(n);
        Thread waiter = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                while (sent.get(i) == 0) {
                    LockSupport.park();
                }
                woke.set(i, System.nanoTime());
            }
        });
        waiter.start();
        for (int i = 0; i < n; i++) {
            park(200_000);  // the waiter is parked by now
            sent.set(i, System.nanoTime());
            LockSupport.unpark(waiter);
            while (woke.get(i) == 0) {
                Thread.onSpinWait();
            }
        }
        waiter.join();
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = woke.get(i) - sent.get(i);
        }
        return median(d);
    }

    // SleepOvershoot: median extra elapsed time of a 500 us park (the
    // exported program's wait).
    static double sleepOvershoot() {
        int n = 300 / Math.min(scale, 3);
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            park(500_000);
            d[i] = System.nanoTime() - t0 - 500_000;
        }
        return median(d);
    }

    // ThreadRSS and ThreadVirtual: Δ VmRSS and VmSize per thread of 1000
    // threads parked on a latch, in a fresh JVM (threadMemoryHere): an
    // earlier thread's freed stack would hide the cost.
    static double[] threadMemory() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "Measure", "--thread-memory")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] f = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
        p.waitFor();
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    static void threadMemoryHere(int n) throws Exception {
        CountDownLatch started = new CountDownLatch(n), release = new CountDownLatch(1);
        long[] s0 = status(-1);
        Thread[] ts = new Thread[n];
        for (int i = 0; i < n; i++) {
            ts[i] = new Thread(() -> {
                started.countDown();
                await(release);
            });
            ts[i].start();
        }
        started.await();
        long[] s1 = status(-1);
        release.countDown();
        for (Thread t : ts) {
            t.join();
        }
        System.out.println((double) (s1[0] - s0[0]) / n + " " + (double) (s1[1] - s0[1]) / n);
    }

    // A worker process: this class run again by a fresh JVM.
    static Process startWorker() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        return new ProcessBuilder(java, "-cp", cp, "Measure", "--worker")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    // worker warms up as an exported program's worker does (a step of work
    // and one of waiting, a pool, a thread), says it is up, then echoes
    // lines until its input ends.
    static void worker() throws Exception {
        work(0.002);
        park(500_000);
        ExecutorService ex = Executors.newFixedThreadPool(1);
        ex.submit(() -> work(0.0001)).get();
        ex.shutdown();
        Thread t = new Thread(() -> park(1000));
        t.start();
        t.join();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("ready " + cpu());  // the CPU this JVM has used so far, all its threads
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            out.println(line);
        }
    }

    // ProcessSpawn (and ProcessFork: a JVM cannot fork): the elapsed time
    // until the last of as many worker JVMs as there are cores, started
    // side by side as processes(N) starts them, says it is up: what each
    // keeps a core busy for (the engine charges a worker's start-up as
    // work on a core). Their CPU, all threads, is ProcessSpawnCPU (the
    // mean): less than that elapsed time, as JVMs starting side by side
    // also wait on page faults and on each other's class loading.
    // ProcessSpawnAlone: the CPU of one worker started alone, and
    // ProcessSpawnElapsed its elapsed time to that line; ProcessTask:
    // elapsed time per line sent to the warm worker and read back; and the
    // worker's VmRSS and VmSize.
    static double[] process() throws Exception {
        long t0 = System.nanoTime();
        Process p = startWorker();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
        double aloneCPU = readyCPU(in);
        long start = System.nanoTime() - t0;
        long[] mem = status(p.pid());
        int n = 2000 / scale;
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            out.println(i);
            in.readLine();
        }
        long task = (System.nanoTime() - t1) / n;
        out.close();
        p.waitFor();

        int cores = Runtime.getRuntime().availableProcessors();
        List<Process> side = new ArrayList<>();
        long t2 = System.nanoTime();
        for (int i = 0; i < cores; i++) {
            side.add(startWorker());
        }
        double sum = 0;
        for (Process q : side) {
            sum += readyCPU(new BufferedReader(new InputStreamReader(q.getInputStream(), StandardCharsets.UTF_8)));
        }
        long sideBySide = System.nanoTime() - t2;
        for (Process q : side) {
            q.getOutputStream().close();
        }
        for (Process q : side) {
            q.waitFor();
        }
        return new double[] {sideBySide, sum / cores, aloneCPU, start, task, mem[0], mem[1]};
    }

    static double readyCPU(BufferedReader in) throws IOException {
        String ready = in.readLine();
        if (ready == null || !ready.startsWith("ready ")) {
            throw new IOException("the worker did not start");
        }
        return Long.parseLong(ready.substring(6).trim());
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    interface Run {
        double[] once() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--worker")) {
            worker();
            return;
        }
        if (args.length == 1 && args[0].equals("--thread-memory")) {
            threadMemoryHere(1000);
            return;
        }
        int runs = 0;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
                scale = 10;
            } else if (args[i].equals("--runs")) {
                runs = Integer.parseInt(args[++i]);
            }
        }
        if (runs <= 0) {
            runs = quick ? 3 : 5;
        }
        threadStart();  // warm up: load and compile what the runs use
        pool();
        long began = System.nanoTime();
        Map<String, List<Double>> results = new LinkedHashMap<>();
        Object[][] plan = {
            {new String[] {"ThreadStart"}, (Run) () -> new double[] {threadStart()}},
            {new String[] {"PoolSubmit", "PoolTask"}, (Run) Measure::pool},
            {new String[] {"WakeLatency"}, (Run) () -> new double[] {wakeLatency()}},
            {new String[] {"SleepOvershoot"}, (Run) () -> new double[] {sleepOvershoot()}},
            {new String[] {"ThreadRSS", "ThreadVirtual"}, (Run) Measure::threadMemory},
            {new String[] {"ProcessSpawn", "ProcessSpawnCPU", "ProcessSpawnAlone", "ProcessSpawnElapsed", "ProcessTask", "ProcessRSS", "ProcessVirtual"}, (Run) Measure::process},
        };
        int total = 0, done = 0;
        for (Object[] p : plan) {
            total += ((String[]) p[0]).length * runs;
        }
        for (Object[] p : plan) {
            String[] names = (String[]) p[0];
            for (int r = 1; r <= runs; r++) {
                double[] v = ((Run) p[1]).once();
                for (int k = 0; k < names.length; k++) {
                    results.computeIfAbsent(names[k], x -> new ArrayList<>()).add(v[k]);
                    done++;
                    boolean size = names[k].endsWith("RSS") || names[k].endsWith("Virtual");
                    System.err.printf("measure: %d/%d %s run %d/%d = %.1f %s%n", done, total, names[k], r, runs, v[k], size ? "B" : "ns");
                }
            }
        }
        results.put("ProcessFork", results.get("ProcessSpawn"));
        StringBuilder b = new StringBuilder("{");
        b.append("\"hostname\":").append(quote(InetAddress.getLocalHost().getHostName()));
        b.append(",\"cpu\":").append(quote(cpuModel()));
        b.append(",\"python\":").append(quote(System.getProperty("java.version")));
        b.append(",\"implementation\":\"java\"");
        b.append(",\"platform\":").append(quote(System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")));
        b.append(",\"cores\":").append(Runtime.getRuntime().availableProcessors());
        b.append(",\"date\":").append(quote(LocalDate.now().toString()));
        b.append(",\"runs\":").append(runs);
        b.append(",\"quick\":").append(quick);
        b.append(",\"seconds\":").append((System.nanoTime() - began) / 1e9);
        b.append(",\"results\":{");
        boolean first = true;
        for (Map.Entry<String, List<Double>> e : results.entrySet()) {
            List<Double> v = e.getValue();
            b.append(first ? "" : ",").append(quote(e.getKey())).append(":{\"median\":").append(median(v))
                .append(",\"min\":").append(v.stream().mapToDouble(Double::doubleValue).min().getAsDouble())
                .append(",\"max\":").append(v.stream().mapToDouble(Double::doubleValue).max().getAsDouble())
                .append(",\"n\":").append(v.size()).append("}");
            first = false;
        }
        b.append("}}");
        System.out.println(b);
        System.exit(0);
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // no /proc/cpuinfo: unknown
        }
        return "";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
