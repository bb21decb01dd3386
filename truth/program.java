import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

// One class and no nested ones: a worker process of processes(N) is this
// class run again by a fresh JVM (see startWorkers), which needs its one
// class file and nothing else.
final class Program {
    //CONCLAB:SETTINGS

    // Every time is measured from ORIGIN, System.nanoTime() read in the main
    // process before anything starts. On Linux nanoTime reads the monotonic
    // clock, which is the same in every process, so workers' times compare.
    static long ORIGIN;
    static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();
    static List<Object> TASKS;
    static List<Object> RESOURCES;
    static List<Integer> ORDER;      // the tasks released from time 0, by release time: see releaseOrder
    static volatile long PROGRESS;  // when a step last began or ended (nanoTime), for the watchdog
    static final Map<Integer, String> RESULTS = new ConcurrentHashMap<>();  // task index -> its record, as JSON
    static Semaphore[] LOCKS;       // this process's resources: see makeLocks
    static ExecutorService FANOUT;  // where gather sends its branches: see gather
    static boolean THREAD_PER_BRANCH;
    static final List<String> WORKERS = new ArrayList<>();  // [pid, thread, ready] of worker processes
    static final List<Process> CHILDREN = new ArrayList<>();
    static volatile long CHILD_CPU;  // CPU nanoseconds of worker processes that have ended
    static volatile long CHILD_COMPILER;  // of CHILD_CPU, their JIT compilers' (-1: not known)
    static long COMPILER0;           // the JIT compilers' CPU nanoseconds at ORIGIN (-1: not known)
    static volatile long SINK;       // what work computed, so that the JIT cannot drop it
    static long CPU0;                // the process's CPU nanoseconds at ORIGIN
    static double STARTUP;           // seconds from the JVM's start to ORIGIN

    // Later phases: a group that is after others (a program that waits for
    // one batch of tasks before it starts the next) is released once the
    // last task of each of them has finished, its release times counted
    // from then. The main process alone reads them (startPhases).
    static final Map<Integer, List<Integer>> AFTER = new TreeMap<>();     // a later phase's group -> the groups it waits for
    static final Map<Integer, CountDownLatch> LEFT = new HashMap<>();     // a group waited for -> its tasks yet to finish
    static final Map<Integer, Double> FINISHED = new ConcurrentHashMap<>();  // a group waited for -> when its last task finished
    static final Map<Integer, Double> RELEASED = new ConcurrentHashMap<>();  // task index -> when a later phase's task was released

    // What the models but sync submit the tasks to (see submit): the pool
    // of threads(N) and its futures, the threads of threads, the queue of
    // processes(N). Later phases submit from threads of their own.
    static ExecutorService POOL;
    static final List<Future<String>> FUTURES = Collections.synchronizedList(new ArrayList<>());
    static final List<Thread> STARTED = Collections.synchronizedList(new ArrayList<>());
    static final LinkedBlockingQueue<Integer> QUEUE = new LinkedBlockingQueue<>();

    static double now() {
        return (System.nanoTime() - ORIGIN) / 1e9;
    }

    static long pid() {
        return ProcessHandle.current().pid();
    }

    @SuppressWarnings("deprecation")  // Thread.threadId() is Java 19's name for it
    static long threadId() {
        return Thread.currentThread().getId();
    }

    // work spins for `seconds` of this thread's CPU time
    // (ThreadMXBean.getCurrentThreadCpuTime, the thread's CPU clock). It
    // computes in slices of about SLICE nanoseconds and reads the clock after
    // each, sizing the next slice at the speed the last one showed: the
    // first slices run in the bytecode interpreter, later ones compiled by
    // the JIT, many times faster, and the clock, not a count of iterations,
    // says when the step is done. Another thread taking the core away makes
    // the step take longer, as it would a real computation.
    static final long SLICE = 50_000;

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
                double speed = (double) size / (clock - before);  // iterations per nanosecond
                size = Math.max(1, Math.round(Math.min(SLICE, end - clock) * speed));
            }
        }
        SINK = x;
    }

    // sleep parks this thread for `seconds`. LockSupport.parkNanos keeps
    // the nanoseconds (Thread.sleep(millis, nanos) rounds them to a whole
    // millisecond in Java 17); a park may return early, so it parks again
    // until the time has passed.
    static void sleep(double seconds) {
        long deadline = System.nanoTime() + Math.round(seconds * 1e9);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    static void sleepUntil(double release) {
        sleep(release - now());
    }

    // runStep runs one step here and returns its record,
    // [kind, start, end, pid, thread, cpu], as JSON. Its times are written
    // from nanoseconds with integer arithmetic (seconds): Double.toString
    // is code the JIT's C2 compiler takes 150 ms of CPU over, beside the
    // tasks, once enough steps have made it hot.
    static String runStep(String kind, double seconds) {
        long start = System.nanoTime();
        long cpu = THREAD_CPU.getCurrentThreadCpuTime();
        if (kind.startsWith("work")) {  // work, work_released: no GIL here, both are CPU
            work(seconds);
        } else {                        // wait, wait_blocking
            sleep(seconds);
        }
        long end = System.nanoTime();
        long used = THREAD_CPU.getCurrentThreadCpuTime() - cpu;
        StringBuilder b = new StringBuilder("[").append(quote(kind)).append(',');
        seconds(b, start - ORIGIN).append(',');
        seconds(b, end - ORIGIN).append(',').append(pid()).append(',').append(threadId()).append(',');
        return seconds(b, used).append(']').toString();
    }

    // seconds appends nanoseconds ns as seconds, a JSON number with nine
    // decimals.
    static StringBuilder seconds(StringBuilder b, long ns) {
        if (ns < 0) {
            b.append('-');
            ns = -ns;
        }
        b.append(ns / 1_000_000_000L).append('.');
        long frac = ns % 1_000_000_000L;
        for (long digit = 100_000_000L; digit > frac && digit > 1; digit /= 10) {
            b.append('0');
        }
        return b.append(frac);
    }

    // json writes a record as a JSON array. It builds its text with a
    // StringBuilder: javac compiles "a" + b to an invokedynamic call whose
    // first run at each place costs milliseconds of bootstrap.
    static String json(Object... fields) {
        StringBuilder b = new StringBuilder("[");
        for (Object f : fields) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(f instanceof String ? quote((String) f) : f.toString());
        }
        return b.append(']').toString();
    }

    // runTask runs task `index` to its end on this thread and returns its
    // record, {"start":..., "end":..., "steps":[...]}, as JSON. It counts
    // the task done for the later phases (taskDone): in a worker process
    // none waits, the main process counts the task when its record comes
    // back (feed).
    static String runTask(int index) {
        String result = taskRecord(list(task(index).get("steps")));
        RESULTS.put(index, result);
        taskDone(index);
        return result;
    }

    static String taskRecord(List<Object> steps) {
        long start = System.nanoTime();
        List<String> records = new ArrayList<>();
        runSteps(steps, records);
        long end = System.nanoTime();
        StringBuilder b = new StringBuilder("{\"start\":");
        seconds(b, start - ORIGIN).append(",\"end\":");
        seconds(b, end - ORIGIN).append(",\"steps\":[");
        return b.append(String.join(",", records)).append("]}").toString();
    }

    // warmUp runs, before the clock starts, what the tasks will run: a
    // JVM loads and links a class, and bootstraps a lambda, the first time
    // one is used, which takes milliseconds (the first lambda of a JVM tens
    // of them). A service has done so before it serves; the program does
    // it here, on a step of work and one of waiting, a pool, a thread and
    // the resources, so that the tasks' times are those of a warm JVM.
    static void warmUp() throws Exception {
        List<Object> steps = list(parse("[[\"work\",0.002],[\"wait\",0.0005],[\"use\",0,[]],[\"choose\",0,[]]]"));
        if (RESOURCES.isEmpty()) {
            steps = steps.subList(0, 2);
        }
        Semaphore[] locks = LOCKS;
        LOCKS = new Semaphore[] {new Semaphore(1, true)};
        taskRecord(steps);
        LOCKS = locks;
        ExecutorService pool = Executors.newFixedThreadPool(1, DAEMONS);
        pool.submit(branchJob(steps)).get();
        pool.shutdown();
        Thread t = daemon(branchRun(steps, new ArrayList<>()));
        t.start();
        t.join();
        taskJob(-1);
        taskRun(-1);
        phaseRun(-1);
        feeder(null, new LinkedBlockingQueue<Integer>());
        PROGRESS = System.nanoTime();
    }

    // runSteps runs steps on this thread, adding what each did to records.
    static void runSteps(List<Object> steps, List<String> records) {
        for (Object s : steps) {
            List<Object> step = list(s);
            String kind = (String) step.get(0);
            switch (kind) {
                case "use": {  // one unit of a resource, given back on every way out
                    long begin = System.nanoTime();
                    Semaphore lock = LOCKS[(int) number(step.get(1))];
                    lock.acquireUninterruptibly();
                    try {
                        StringBuilder b = new StringBuilder("[\"resource_wait\",");
                        seconds(b, begin - ORIGIN).append(',');
                        seconds(b, System.nanoTime() - ORIGIN).append(',').append(pid()).append(',').append(threadId());
                        records.add(b.append(']').toString());
                        runSteps(list(step.get(2)), records);
                    } finally {
                        lock.release();
                    }
                    break;
                }
                case "gather":
                    gather(list(step.get(1)), records);
                    break;
                case "choose":  // the alternative the simulation drew: step[1]
                    runSteps(list(step.get(2)), records);
                    break;
                default:
                    PROGRESS = System.nanoTime();
                    records.add(runStep(kind, number(step.get(1))));
                    PROGRESS = System.nanoTime();
            }
        }
    }

    static List<String> runBranch(List<Object> steps) {
        List<String> records = new ArrayList<>();
        runSteps(steps, records);
        return records;
    }

    // gather runs a gather's branches and waits for them all: one after
    // another here (sync, a worker process), a thread each (threads), or
    // each submitted to FANOUT, the pool that runs the tasks (a task
    // waiting for its branches holds its thread, and a bounded pool whose
    // threads all wait deadlocks) or a second one.
    static void gather(List<Object> branches, List<String> records) {
        if (THREAD_PER_BRANCH) {
            List<List<String>> done = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (Object branch : branches) {
                List<String> out = new ArrayList<>();
                done.add(out);
                threads.add(daemon(branchRun(list(branch), out)));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                join(t);
            }
            done.forEach(records::addAll);
            return;
        }
        if (FANOUT == null) {
            for (Object branch : branches) {
                runSteps(list(branch), records);
            }
            return;
        }
        List<Future<List<String>>> futures = new ArrayList<>();
        for (Object branch : branches) {
            futures.add(FANOUT.submit(branchJob(list(branch))));
        }
        for (Future<List<String>> f : futures) {
            records.addAll(get(f));
        }
    }

    // makeLocks makes this process's resources, in the workload's order: a
    // fair Semaphore of the resource's capacity (waiters get it first come,
    // first served).
    static Semaphore[] makeLocks() {
        Semaphore[] locks = new Semaphore[RESOURCES.size()];
        for (int i = 0; i < locks.length; i++) {
            Map<String, Object> r = object(RESOURCES.get(i));
            locks[i] = new Semaphore((int) number(r.get("capacity")), true);
        }
        return locks;
    }

    static Map<String, Object> task(int index) {
        return object(TASKS.get(index));
    }

    static int groupOf(int index) {
        Object group = task(index).get("group");
        return group == null ? 0 : (int) number(group);
    }

    // releaseOrder is the indexes of the tasks of group (of those released
    // from time 0: FROM_START) by release time, file order breaking ties.
    static List<Integer> releaseOrder(int group) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < TASKS.size(); i++) {
            int g = groupOf(i);
            if (g == group || group == FROM_START && !AFTER.containsKey(g)) {
                order.add(i);
            }
        }
        order.sort((a, b) -> Double.compare(number(task(a).get("release")), number(task(b).get("release"))));
        return order;
    }

    static final int FROM_START = -1;

    // startPhases reads the later phases of the workload (its "after") and
    // readies a latch for each group that one waits for.
    static void startPhases(Map<String, Object> workload) {
        Object after = workload.get("after");
        if (after == null) {
            return;
        }
        for (Map.Entry<String, Object> e : object(after).entrySet()) {
            List<Integer> groups = new ArrayList<>();
            for (Object g : list(e.getValue())) {
                groups.add((int) number(g));
            }
            AFTER.put(Integer.parseInt(e.getKey()), groups);
        }
        for (List<Integer> groups : AFTER.values()) {
            for (int g : groups) {
                int left = 0;
                for (int i = 0; i < TASKS.size(); i++) {
                    left += groupOf(i) == g ? 1 : 0;
                }
                LEFT.putIfAbsent(g, new CountDownLatch(left));
            }
        }
    }

    // taskDone counts task `index` finished: the last of a group that a
    // later phase waits for notes when, and opens the group's latch.
    static void taskDone(int index) {
        int group = groupOf(index);
        CountDownLatch left = LEFT.get(group);
        if (left == null) {
            return;
        }
        synchronized (left) {
            if (left.getCount() == 1) {
                FINISHED.put(group, now());
            }
            left.countDown();
        }
    }

    // phaseRelease is when task `index` of a later phase is released, the
    // groups it waits for done.
    static double phaseRelease(int index) {
        double from = 0;
        for (int g : AFTER.get(groupOf(index))) {
            from = Math.max(from, FINISHED.get(g));
        }
        double at = from + number(task(index).get("release"));
        RELEASED.put(index, at);
        long progress = ORIGIN + Math.round(at * 1e9);
        if (progress - PROGRESS > 0) {
            PROGRESS = progress;  // waiting for a release is no stall
        }
        return at;
    }

    // runPhase is a later phase, on a thread of its own: it waits for the
    // groups it is after, then submits its tasks at their release times.
    static void runPhase(int group) {
        for (int g : AFTER.get(group)) {
            try {
                LEFT.get(g).await();
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        }
        for (int index : releaseOrder(group)) {
            sleepUntil(phaseRelease(index));
            submit(index);
        }
    }

    // submitAll submits every task at its release time: from this thread
    // those released from time 0, from a thread per later phase the others.
    // It returns once all are submitted.
    static void submitAll() {
        List<Thread> phases = new ArrayList<>();
        for (int group : AFTER.keySet()) {
            Thread t = daemon(phaseRun(group));
            t.start();
            phases.add(t);
        }
        for (int index : ORDER) {
            sleepUntil(number(task(index).get("release")));
            submit(index);
        }
        for (Thread t : phases) {
            join(t);
        }
    }

    // submit hands task `index` to the model: to the pool (threads(N)), to
    // a thread of its own (threads), to the queue of the worker processes
    // (processes(N)).
    static void submit(int index) {
        switch (MODEL) {
            case "threads(N)":
                FUTURES.add(POOL.submit(taskJob(index)));
                break;
            case "threads": {
                Thread t = daemon(taskRun(index));
                t.start();
                STARTED.add(t);
                break;
            }
            default:
                QUEUE.add(index);
        }
    }

    // The lambdas the models run, made by these methods: the first time a
    // place in the code makes a lambda costs milliseconds, so warmUp makes
    // one of each before the clock starts.
    static Callable<String> taskJob(int index) {
        return () -> runTask(index);
    }

    static Runnable taskRun(int index) {
        return () -> runTask(index);
    }

    static Callable<List<String>> branchJob(List<Object> steps) {
        return () -> runBranch(steps);
    }

    static Runnable branchRun(List<Object> steps, List<String> out) {
        return () -> out.addAll(runBranch(steps));
    }

    static Runnable feeder(Process p, LinkedBlockingQueue<Integer> queue) {
        return () -> feed(p, queue);
    }

    static Runnable phaseRun(int group) {
        return () -> runPhase(group);
    }

    static final ThreadFactory DAEMONS = Program::daemon;

    static Thread daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);  // a deadlocked one must not keep the program alive
        return t;
    }

    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    // The models.

    // sync: the main thread runs the tasks one after another, in file order
    // (a later phase's groups come after those it waits for).
    static void runSync() {
        for (int i = 0; i < TASKS.size(); i++) {
            sleepUntil(AFTER.containsKey(groupOf(i)) ? phaseRelease(i) : number(task(i).get("release")));
            runTask(i);
        }
    }

    // threads(N): the main thread submits each task at its release time to
    // Executors.newFixedThreadPool(THREADS). Gather branches go to the same
    // pool, or to a second one of FANOUT_THREADS threads when there is one.
    static void runPool() {
        POOL = Executors.newFixedThreadPool(THREADS, DAEMONS);
        FANOUT = FANOUT_THREADS > 0 ? Executors.newFixedThreadPool(FANOUT_THREADS, DAEMONS) : POOL;
        submitAll();
        FUTURES.forEach(Program::get);
        POOL.shutdown();
        FANOUT.shutdown();
    }

    // threads: one Thread per task, started at its release time, and one per
    // gather branch.
    static void runThreads() {
        THREAD_PER_BRANCH = true;
        submitAll();
        STARTED.forEach(Program::join);
    }

    // processes(N): PROCESSES worker processes, each a fresh JVM running this
    // class (startWorkers), all started at the first task's release. The
    // main process hands each task, at its release time, to the first worker
    // that is idle: a thread per worker takes the next task from one queue,
    // sends its index down the worker's standard input and reads its record
    // back.
    static void runProcesses(Path classes) throws Exception {
        List<Thread> feeders = new ArrayList<>();
        if (!ORDER.isEmpty()) {
            sleepUntil(number(task(ORDER.get(0)).get("release")));
        }
        for (int w = 0; w < PROCESSES; w++) {
            Process p = new ProcessBuilder(javaCommand(), "-cp", classes.toString(), "Program", "--worker", Long.toString(ORIGIN))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            CHILDREN.add(p);
            Thread feeder = daemon(feeder(p, QUEUE));
            feeder.start();
            feeders.add(feeder);
        }
        submitAll();
        for (int w = 0; w < PROCESSES; w++) {
            QUEUE.add(-1);  // no more tasks
        }
        feeders.forEach(Program::join);
    }

    // feed gives worker process p tasks from the queue until it says there
    // are no more, then reads the CPU time the worker used.
    static void feed(Process p, LinkedBlockingQueue<Integer> queue) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintStream out = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String ready = in.readLine();  // [pid, thread, ready]
            if (ready == null) {
                throw new IOException("a worker process ended before it was up");
            }
            synchronized (WORKERS) {
                WORKERS.add(ready);
            }
            while (true) {
                int index = queue.take();
                if (index < 0) {
                    break;
                }
                out.println(index);
                String result = in.readLine();
                if (result == null) {
                    throw new IOException("a worker process ended while it ran a task");
                }
                RESULTS.put(index, result);
                PROGRESS = System.nanoTime();
                taskDone(index);
            }
            out.close();
            String cpu = in.readLine();  // the worker's CPU nanoseconds, and its compilers', as it ends
            String[] used = cpu == null ? new String[] {"0", "-1"} : cpu.trim().split(" ");
            synchronized (WORKERS) {
                CHILD_CPU += Long.parseLong(used[0]);
                long compiler = Long.parseLong(used[1]);
                CHILD_COMPILER = compiler < 0 || CHILD_COMPILER < 0 ? -1 : CHILD_COMPILER + compiler;
            }
            p.waitFor();
        } catch (Exception e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
    }

    // worker is a worker process's main: it reports that it is up, then runs
    // each task whose index comes on standard input and writes its record on
    // one line; at the end of its input it writes its CPU time.
    static void worker(long origin) throws Exception {
        ORIGIN = origin;
        LOCKS = makeLocks();
        warmUp();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(json(pid(), threadId(), now()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            out.println(runTask(Integer.parseInt(line.trim())));
        }
        out.println(new StringBuilder().append(processCpu()).append(' ').append(compilerCpu()));
    }

    // javaCommand is the java launcher of this JVM.
    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    // classDirectory writes this program's class file into a new temporary
    // directory, for the worker JVMs' class path. The class loader has its
    // bytes however the program was started: compiled by javac, or from its
    // source file (java Program.java compiles it in memory).
    static Path classDirectory() throws IOException {
        Path dir = Files.createTempDirectory("conclab-workers-");
        try (InputStream in = Program.class.getResourceAsStream("Program.class")) {
            if (in == null) {
                throw new IOException("cannot read the bytes of class Program for the worker processes");
            }
            Files.write(dir.resolve("Program.class"), in.readAllBytes());
        }
        dir.toFile().deleteOnExit();
        dir.resolve("Program.class").toFile().deleteOnExit();
        return dir;
    }

    // compilerCpu is the CPU nanoseconds the JIT's compiler threads ("C1
    // CompilerThre...", "C2 CompilerThre...") have run so far, read from
    // /proc/self/task/*/schedstat, or -1 where there is no /proc (not Linux).
    // They compile a method once it has run often enough, on cores the
    // tasks' threads also want: the JIT's warm-up.
    static long compilerCpu() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String comm = Files.readString(t.resolve("comm"));
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        String stat = Files.readString(t.resolve("schedstat"));
                        sum += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                    }
                } catch (IOException | RuntimeException e) {
                    // a compiler thread that ended meanwhile (the JVM stops idle ones)
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }

    // awaitCompiler waits, before the clock starts, until the JIT's
    // compilers have been idle for 20 ms (at most 3 s): the compilation of
    // what the program ran to start (reading the workload's data takes C2
    // about 200 ms of CPU over its parser) is not the tasks'. Without /proc
    // it watches the JVM's total compilation time instead.
    static void awaitCompiler() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        if (compilerCpu() < 0 && !timed) {
            return;
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        long last = -1;
        for (int quiet = 0; quiet < 4 && System.nanoTime() < deadline; ) {
            sleep(0.005);
            long now = compilerCpu();
            now = now >= 0 ? now : jit.getTotalCompilationTime() * 1_000_000L;
            quiet = last >= 0 && now - last < 100_000 ? quiet + 1 : 0;
            last = now;
        }
    }

    static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> workload = object(parse(String.join("", WORKLOAD)));
        TASKS = list(workload.get("tasks"));
        RESOURCES = list(workload.get("resources"));
        if (args.length == 2 && args[0].equals("--worker")) {
            worker(Long.parseLong(args[1]));
            return;
        }
        Path classes = PROCESSES > 0 ? classDirectory() : null;
        LOCKS = makeLocks();
        startPhases(workload);
        ORDER = releaseOrder(FROM_START);
        warmUp();
        awaitCompiler();
        PROGRESS = System.nanoTime();
        daemon(() -> watch(workload)).start();
        COMPILER0 = compilerCpu();
        CPU0 = processCpu();
        ORIGIN = System.nanoTime();
        STARTUP = ManagementFactory.getRuntimeMXBean().getUptime() / 1e3;
        PROGRESS = ORIGIN;
        switch (MODEL) {
            case "sync":
                runSync();
                break;
            case "threads(N)":
                runPool();
                break;
            case "threads":
                runThreads();
                break;
            default:
                runProcesses(classes);
        }
        report(workload, processCpu() - CPU0 + CHILD_CPU, -1);
        System.exit(0);
    }

    // watch ends the program when no step has begun or ended for STALL
    // seconds while tasks are left: they wait for each other (a deadlock:
    // two resources taken in opposite orders, pool threads that all wait
    // for branches queued behind them) and would wait forever. It reports
    // what finished, and when the last step began or ended.
    static void watch(Map<String, Object> workload) {
        while (true) {
            sleep(Math.min(STALL / 4, 0.25));
            long last = PROGRESS;
            if ((System.nanoTime() - last) / 1e9 > STALL && RESULTS.size() < TASKS.size()) {
                CHILDREN.forEach(Process::destroyForcibly);
                report(workload, processCpu() - CPU0 + CHILD_CPU, (last - ORIGIN) / 1e9);
                Runtime.getRuntime().halt(0);  // the deadlocked threads never end
            }
        }
    }

    // report prints the measurement: one JSON document.
    static synchronized void report(Map<String, Object> workload, long cpu, double deadlock) {
        StringBuilder b = new StringBuilder();
        double makespan = 0;
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < TASKS.size(); i++) {
            Map<String, Object> t = task(i);
            double release = RELEASED.getOrDefault(i, number(t.get("release")));  // a later phase's: the real one
            String result = RESULTS.get(i);
            if (result == null) {  // stopped by a deadlock
                result = "{\"start\":" + release + ",\"end\":-1,\"steps\":[]}";
            } else {
                makespan = Math.max(makespan, number(object(parse(result)).get("end")));
            }
            tasks.add("{\"name\":" + quote((String) t.get("name")) + ",\"release\":" + release
                + "," + result.substring(1));
        }
        if (deadlock >= 0) {
            makespan = Math.max(makespan, deadlock);
        }
        b.append("{\"format\":\"conclab-measurement/1\"");
        b.append(",\"workload\":").append(quote((String) workload.get("workload")));
        b.append(",\"model\":").append(quote((String) workload.get("model")));
        b.append(",\"python\":").append(quote(System.getProperty("java.version")));
        b.append(",\"implementation\":\"java\"");
        b.append(",\"cpu_count\":").append(Runtime.getRuntime().availableProcessors());
        b.append(",\"switch_interval\":0,\"work_rate\":0");
        b.append(",\"startup_s\":").append(STARTUP);
        b.append(",\"makespan\":").append(makespan);
        b.append(",\"cpu_s\":").append(cpu / 1e9);
        long compiler = compilerCpu();
        if (compiler >= 0 && COMPILER0 >= 0 && CHILD_COMPILER >= 0) {
            b.append(",\"compiler_cpu_s\":").append((compiler - COMPILER0 + CHILD_COMPILER) / 1e9);
        }
        b.append(",\"main\":[").append(pid()).append(",").append(mainThread).append("]");
        synchronized (WORKERS) {
            b.append(",\"workers\":[").append(String.join(",", WORKERS)).append("]");
        }
        b.append(",\"tasks\":[").append(String.join(",\n", tasks)).append("]");
        if (deadlock >= 0) {
            b.append(",\"deadlock\":{\"at\":").append(deadlock).append(",\"stalled\":").append(STALL).append("}");
        }
        b.append("}");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(b);
        out.flush();
    }

    static final long mainThread = threadId();  // class initialisation runs on the main thread

    // A small JSON reader for the workload's data: objects become Maps,
    // arrays Lists, numbers doubles.

    static Object parse(String text) {
        int[] at = {0};
        Object v = value(text, at);
        skip(text, at);
        if (at[0] != text.length()) {
            throw new IllegalArgumentException("JSON: text after the value");
        }
        return v;
    }

    static void skip(String s, int[] at) {
        while (at[0] < s.length() && Character.isWhitespace(s.charAt(at[0]))) {
            at[0]++;
        }
    }

    static Object value(String s, int[] at) {
        skip(s, at);
        char c = s.charAt(at[0]);
        if (c == '{') {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            at[0]++;
            skip(s, at);
            if (s.charAt(at[0]) == '}') {
                at[0]++;
                return m;
            }
            while (true) {
                skip(s, at);
                String key = string(s, at);
                skip(s, at);
                at[0]++;  // ':'
                m.put(key, value(s, at));
                skip(s, at);
                if (s.charAt(at[0]++) == '}') {
                    return m;
                }
            }
        }
        if (c == '[') {
            List<Object> l = new ArrayList<>();
            at[0]++;
            skip(s, at);
            if (s.charAt(at[0]) == ']') {
                at[0]++;
                return l;
            }
            while (true) {
                l.add(value(s, at));
                skip(s, at);
                if (s.charAt(at[0]++) == ']') {
                    return l;
                }
            }
        }
        if (c == '"') {
            return string(s, at);
        }
        int start = at[0];
        while (at[0] < s.length() && "+-0123456789.eE".indexOf(s.charAt(at[0])) >= 0) {
            at[0]++;
        }
        if (start == at[0]) {
            throw new IllegalArgumentException("JSON: unexpected character");
        }
        return Double.parseDouble(s.substring(start, at[0]));
    }

    static String string(String s, int[] at) {
        StringBuilder b = new StringBuilder();
        at[0]++;  // the opening quote
        for (char c; (c = s.charAt(at[0]++)) != '"'; ) {
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(at[0]++);
            switch (e) {
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    b.append((char) Integer.parseInt(s.substring(at[0], at[0] + 4), 16));
                    at[0] += 4;
                    break;
                default: b.append(e);  // " \ /
            }
        }
        return b.toString();
    }

    // quote writes s as a JSON string, ASCII only.
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

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object o) {
        return (Map<String, Object>) o;
    }

    static double number(Object o) {
        return ((Double) o).doubleValue();
    }
}
