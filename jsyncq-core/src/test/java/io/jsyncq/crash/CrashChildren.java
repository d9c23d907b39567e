package io.jsyncq.crash;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
import io.jsyncq.RegistrationLostException;
import io.jsyncq.SyncQueue;
import io.jsyncq.internal.NameLock;
import io.jsyncq.internal.Registration;
import io.jsyncq.internal.RegistrationSettings;
import io.jsyncq.internal.Waiter;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

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
            System.setProperty("jsyncq.testing.stalls", "true"); // before jsyncq's classes load
            String name = args[0];
            Registration.StallPoint point = Registration.StallPoint.valueOf(args[1]);
            long stallMillis = Long.parseLong(args[2]);
            int before = Integer.parseInt(args[3]);
            RegistrationSettings settings = new RegistrationSettings("writer", 20_000, false);
            try (Registration writer = Registration.join(SyncQueue.defaultDirectory(), name,
                    Registration.Join.ATTACH, null, settings)) {
                for (int i = 0; i < before; i++) {
                    writer.append("t", body("before-" + i), Long.MAX_VALUE);
                }
                System.out.println("stalling");
                System.out.flush();
                try {
                    writer.appendStallingAt("t", body("stalled"), point, stallMillis);
                    System.out.println("delivered");
                } catch (RegistrationLostException e) {
                    System.out.println("lost " + e.getClass().getSimpleName() + ": " + e.getMessage());
                    System.exit(3);
                }
                // It is a reader too: read what others appended meanwhile, or it would wait for room it holds.
                // The others go on appending while it waits, so it reads again between short waits.
                while (true) {
                    while (writer.poll(message -> { }, Waiter.NO_WAIT)) {
                        // skip
                    }
                    try {
                        writer.append("t", body("after"), Waiter.deadlineAfter(100_000_000L));
                        break;
                    } catch (QueueFullException fullOfItsOwnUnread) {
                        // read them, and try again
                    }
                }
                System.out.println("done");
            } catch (RegistrationLostException e) {
                System.out.println("lost " + e.getClass().getSimpleName() + ": " + e.getMessage());
                System.exit(3);
            }
        }

        private static MemorySegment body(String text) {
            return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Registers, says so, then pops {@code count} messages (waiting for each as long as it takes) and
     * checks they are "m-0", "m-1", ... in order (messages of type "churn" screened out): prints "ok COUNT", or "wrong ..." and exits 1. Exits with
     * 3 and "lost: ..." if its registration is taken from it.
     * Args: queue, count.
     */
    public static final class SequenceReader {
        public static void main(String[] args) {
            int count = Integer.parseInt(args[1]);
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("sequence-reader").open()) {
                queue.typeScreen().add("churn"); // short-lived registrations' messages
                System.out.println("registered");
                System.out.flush();
                for (int i = 0; i < count; i++) {
                    Optional<Message> message = queue.pop(Duration.ofSeconds(60));
                    String expected = "m-" + i;
                    if (message.isEmpty() || !message.get().text().equals(expected)) {
                        System.out.println("wrong at " + i + ": " + message.map(Message::text).orElse("nothing"));
                        System.exit(1);
                    }
                }
                System.out.println("ok " + count);
            } catch (RegistrationLostException lost) {
                System.out.println("lost: " + lost.getMessage());
                System.exit(3);
            }
        }
    }

    /**
     * Registers, says so, then waits in a pop for ever, or appends in a loop (args[1] = "append"): until its
     * registration is taken from it, when it prints "lost: ..." and exits with 3.
     */
    public static final class UntilLost {
        public static void main(String[] args) {
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("until-lost").open()) {
                System.out.println("registered");
                System.out.flush();
                boolean append = args.length > 1 && args[1].equals("append");
                while (true) {
                    if (append) {
                        queue.append("t", "x", Duration.ofSeconds(60));
                    } else {
                        queue.pop(SyncQueue.FOREVER);
                    }
                }
            } catch (RegistrationLostException lost) {
                System.out.println("lost: " + lost.getMessage());
                System.exit(3);
            }
        }
    }

    /**
     * Joins and leaves queue args[0] args[2] times as fast as it can (open or create, append, pop until
     * empty, close), as sender "churn-" + args[1]. Exits with 3 if a registration is ever taken from it.
     */
    public static final class Churner {
        public static void main(String[] args) {
            int cycles = Integer.parseInt(args[2]);
            try {
                for (int i = 0; i < cycles; i++) {
                    try (SyncQueue queue = SyncQueue.builder(args[0]).size(1 << 16).sender("churn-" + args[1])
                            .openOrCreate()) {
                        queue.append("churn", "c-" + i, Duration.ofSeconds(60));
                        while (queue.pop().isPresent()) {
                            // drain what arrived since joining
                        }
                    }
                }
                System.out.println("ok");
            } catch (RegistrationLostException lost) {
                System.out.println("lost: " + lost.getMessage());
                System.exit(3);
            }
        }
    }

    /**
     * A write-only registration that appends one body of args[1] bytes, stalling args[2] ms after writing its
     * header, prints "appended", then stays registered (and silent) until killed.
     */
    public static final class WriteOnlyStaller {
        public static void main(String[] args) throws Exception {
            System.setProperty("jsyncq.testing.stalls", "true"); // before jsyncq's classes load
            RegistrationSettings settings = new RegistrationSettings("staller", 20_000, true);
            Registration writer = Registration.join(SyncQueue.defaultDirectory(), args[0], Registration.Join.ATTACH,
                    null, settings);
            System.out.println("stalling");
            System.out.flush();
            writer.appendStallingAt("t", MemorySegment.ofArray(new byte[Integer.parseInt(args[1])]),
                    Registration.StallPoint.AFTER_HEADER, Long.parseLong(args[2]));
            System.out.println("appended");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // no close: closing would wake waiting writers too
        }
    }

    /**
     * A write-only registration that appends one body of args[1] bytes, waiting up to 30 s for room, and
     * prints how long it waited; exits with 4 if the room never came.
     */
    public static final class WriteOnlyWaiter {
        public static void main(String[] args) {
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("waiter").writeOnly().open()) {
                long start = System.nanoTime();
                try {
                    queue.append("t", new byte[Integer.parseInt(args[1])], Duration.ofSeconds(30));
                } catch (QueueFullException full) {
                    System.out.println("no room: " + full.getMessage());
                    System.exit(4);
                }
                System.out.println("waited " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        }
    }

    /** Takes the lock of queue args[0] and holds it until a line arrives on stdin (or it is killed). */
    public static final class NameLockHolder {
        @SuppressWarnings("try") // held, not used
        public static void main(String[] args) throws Exception {
            try (NameLock lock = NameLock.acquire(SyncQueue.defaultDirectory(), args[0], NameLock.DEFAULT_WAIT_NANOS)) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }
}
