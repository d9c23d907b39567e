package io.jsyncq.crash;

import io.jsyncq.MessageAbandonedException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueue;
import io.jsyncq.internal.Registration;
import io.jsyncq.internal.RegistrationSettings;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Child programs for the crash tests: each one a process that dies, stalls or is stopped on purpose. */
final class CrashChildren {

    private CrashChildren() {
    }

    /**
     * Registers and never pops; then sleeps until killed, or with {@code halt} exits without closing when a
     * line arrives on its stdin.
     */
    public static final class IdleReader {
        public static void main(String[] args) throws Exception {
            SyncQueue queue = SyncQueue.builder(args[0]).sender("idle").open();
            System.out.println("registered " + queue.sender());
            System.out.flush();
            if (args.length > 1 && args[1].equals("halt")) {
                System.in.read();
                Runtime.getRuntime().halt(0); // exits without closing
            }
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Appends {@code before} messages, then one message that stalls at a point of the append for
     * {@code stallMillis} (or dies there, when negative), then "after" if it got that far.
     * Args: queue, point, stallMillis, before.
     */
    public static final class StallingWriter {
        public static void main(String[] args) {
            String name = args[0];
            Registration.StallPoint point = Registration.StallPoint.valueOf(args[1]);
            long stallMillis = Long.parseLong(args[2]);
            int before = Integer.parseInt(args[3]);
            RegistrationSettings settings = new RegistrationSettings("writer", 20_000, 1_000_000_000L, 10_000_000_000L);
            try (Registration writer = Registration.attach(SyncQueue.defaultDirectory(), name, settings)) {
                for (int i = 0; i < before; i++) {
                    writer.append("t", body("before-" + i), Long.MAX_VALUE);
                }
                System.out.println("stalling");
                System.out.flush();
                try {
                    writer.appendStallingAt("t", body("stalled"), point, stallMillis);
                    System.out.println("delivered");
                } catch (MessageAbandonedException | RegistrationLostException e) {
                    System.out.println("abandoned " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                writer.append("t", body("after"), Long.MAX_VALUE);
                System.out.println("done");
            }
        }

        private static MemorySegment body(String text) {
            return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Registers with a short lease and pops until its registration is reclaimed; then exits with 3. */
    public static final class LeasedReader {
        public static void main(String[] args) {
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("leased").lease(Duration.ofMillis(300)).open()) {
                System.out.println("registered");
                System.out.flush();
                while (true) {
                    try {
                        queue.pop(Duration.ofMillis(20));
                    } catch (RegistrationLostException lost) {
                        System.out.println("lost: " + lost.getMessage());
                        System.exit(3);
                    }
                }
            }
        }
    }
}
