package io.jsyncq.process;

/** The frame of a child program: report any failure on stderr and exit with 1, else exit with 0. */
final class ChildMain {

    interface Body {
        void run() throws Exception;
    }

    private ChildMain() {
    }

    static void run(Body body) {
        try {
            body.run();
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
        System.out.flush();
        System.exit(0);
    }

    /** One line on stdout, flushed at once: the parent test reads it from the file stdout goes to. */
    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
