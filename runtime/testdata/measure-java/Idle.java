// Idle prints "ready" and sleeps, so a caller can time the JVM's start-up
// and read the resident and reserved memory of a fresh JVM.
public class Idle {
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        if (args.length > 0) Thread.sleep(60000);
    }
}
