package io.jsyncq.crash;

import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueExistsException;
import io.jsyncq.SyncQueue;
import io.jsyncq.SyncQueueException;

import java.nio.file.Files;
import java.util.concurrent.locks.LockSupport;

/** Child programs for the attach / close / create races. */
final class RaceChildren {

    private RaceChildren() {
    }

    /** Args: queue, rounds. Creates the queue and closes it again, over and over. */
    public static final class CreateCloseLoop {
        public static void main(String[] args) {
            String name = args[0];
            int rounds = Integer.parseInt(args[1]);
            int created = 0;
            for (int round = 0; round < rounds; round++) {
                try (SyncQueue queue = SyncQueue.builder(name).size(4096).sender("cycler").create()) {
                    created++;
                    queue.append("t", "round " + round);
                } catch (QueueExistsException attachedByTheOther) {
                    // the other process holds it open
                }
            }
            System.out.println("created " + created);
        }
    }

    /**
     * Args: queue, rounds. Attaches whenever it can; while registered, the queue's name must exist, for a
     * registration on a removed file would be one that nobody else can ever see.
     */
    public static final class AttachLoop {
        public static void main(String[] args) {
            String name = args[0];
            int rounds = Integer.parseInt(args[1]);
            int attached = 0;
            int absent = 0;
            int orphaned = 0;
            for (int round = 0; round < rounds; round++) {
                try (SyncQueue queue = SyncQueue.builder(name).sender("attacher").open()) {
                    attached++;
                    if (!Files.exists(SyncQueue.defaultDirectory().resolve(name))) {
                        orphaned++;
                    }
                    // Not append: a cycler that is not scheduled while this loop attaches 64 times leaves its
                    // never-read registration holding the 4 KiB ring full, which is a live queue, not an error.
                    queue.tryAppend("t", "hello");
                } catch (NoSuchQueueException gone) {
                    absent++;
                } catch (SyncQueueException other) {
                    System.out.println("unexpected " + other);
                }
            }
            System.out.println("attached " + attached + " absent " + absent + " orphaned " + orphaned);
        }
    }

    /**
     * Args: base name, rounds, start epoch millis. Each round, at the same moment as the other process, tries
     * to create queue {@code base-round}. It keeps what it created open to the end, so that the other
     * cannot create the name again after a close: each name is created exactly once, or the race is lost.
     */
    public static final class CreateAtTheSameMoment {
        public static void main(String[] args) {
            String base = args[0];
            int rounds = Integer.parseInt(args[1]);
            long start = Long.parseLong(args[2]);
            SyncQueue.builder(base + "-warm-up-" + ProcessHandle.current().pid()).size(4096).create().close();
            java.util.List<SyncQueue> created = new java.util.ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                sleepUntil(start + round * 20L);
                try {
                    created.add(SyncQueue.builder(base + "-" + round).size(4096).create());
                    System.out.println(round + " created");
                } catch (QueueExistsException exists) {
                    System.out.println(round + " exists");
                }
            }
            sleepUntil(start + rounds * 20L + 500);
            created.forEach(SyncQueue::close);
        }

        private static void sleepUntil(long epochMillis) {
            while (System.currentTimeMillis() < epochMillis) {
                LockSupport.parkNanos(100_000);
            }
        }
    }
}
