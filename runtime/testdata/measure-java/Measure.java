// Measure prints, for the java profile of conclab, the CPU to create, start
// and join one thread (amortised), the CPU per task of a warm one-thread
// pool (submit + get), the median overshoot of a 500 us park, and the memory
// of 1000 parked threads.
// Run: javac -d /tmp Measure.java && java -cp /tmp Measure
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

public class Measure {
    static long[] status() throws Exception {
        long rss = 0, vm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] f = line.split("\\s+");
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(f[1]) * 1024;
            if (line.startsWith("VmSize:")) vm = Long.parseLong(f[1]) * 1024;
        }
        return new long[] {rss, vm};
    }

    public static void main(String[] args) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int n = 5000;
        for (int run = 0; run < 5; run++) {
            long t0 = os.getProcessCpuTime();
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {});
                t.start();
                t.join();
            }
            System.out.printf("thread_start_cpu_ns %d%n", (os.getProcessCpuTime() - t0) / n);
        }
        ExecutorService pool = Executors.newFixedThreadPool(1);
        pool.submit(() -> {}).get();
        for (int run = 0; run < 5; run++) {
            long t0 = os.getProcessCpuTime();
            for (int i = 0; i < 20000; i++) pool.submit(() -> {}).get();
            System.out.printf("pool_task_cpu_ns %d%n", (os.getProcessCpuTime() - t0) / 20000);
        }
        pool.shutdown();
        for (int run = 0; run < 5; run++) {
            long[] extra = new long[300];
            for (int i = 0; i < extra.length; i++) {
                long t0 = System.nanoTime();
                LockSupport.parkNanos(500_000);
                extra[i] = System.nanoTime() - t0 - 500_000;
            }
            Arrays.sort(extra);
            System.out.printf("park_overshoot_ns %d%n", extra[extra.length / 2]);
        }
        int m = 1000;
        CountDownLatch started = new CountDownLatch(m), release = new CountDownLatch(1);
        long[] s0 = status();
        Thread[] ts = new Thread[m];
        for (int i = 0; i < m; i++) {
            ts[i] = new Thread(() -> {
                started.countDown();
                try { release.await(); } catch (InterruptedException e) { }
            });
            ts[i].start();
        }
        started.await();
        long[] s1 = status();
        release.countDown();
        for (Thread t : ts) t.join();
        System.out.printf("thread_rss %d%nthread_virtual %d%n", (s1[0] - s0[0]) / m, (s1[1] - s0[1]) / m);
        if (args.length > 0) { // sleep so the caller can read our status
            System.out.println("ready");
            Thread.sleep(60000);
        }
    }
}
