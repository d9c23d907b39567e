package io.jsyncq.process;

import io.jsyncq.SyncQueue;

import java.nio.file.Path;

/**
 * Child process of the stress test that registers twice: a first registration, made before the go message,
 * reads the first {@code k} data messages; then a second registration is made (while the first, still open,
 * holds back the writers) and the first is closed. The second must see exactly a suffix of the one order:
 * no go message, each writer's messages consecutive from wherever it joined, and every writer's end.
 *
 * <p>While the first registration is open it holds back every writer, so when the second registers at
 * most {@code k} data messages plus one queue's worth have been appended. The test chooses {@code k} so
 * that this is fewer than any writer's count: every writer still has messages to append, and the second
 * registration must see each writer's end.
 *
 * <p>Arguments: queue name, writer count, k, order file of the first registration, order file of the second.
 */
public final class LateReader {

    private LateReader() {
    }

    public static void main(String[] args) {
        ChildMain.run(() -> {
            String name = args[0];
            int writers = Integer.parseInt(args[1]);
            int k = Integer.parseInt(args[2]);
            StreamChecker early = new StreamChecker("late-a", writers, true);
            StreamChecker late = new StreamChecker("late-b", writers, false);
            SyncQueue first = SyncQueue.builder(name).sender("late-a").open();
            SyncQueue second;
            try {
                ChildMain.say("READY");
                StressReader.readUntilAllEnded(first, early, false, k);
                second = SyncQueue.builder(name).sender("late-b").open();
            } finally {
                first.close();
            }
            try (second) {
                ChildMain.say("SWITCHED after " + early.dataCount());
                StressReader.readUntilAllEnded(second, late, true, Integer.MAX_VALUE);
            }
            early.writeOrder(Path.of(args[3]));
            late.writeOrder(Path.of(args[4]));
            ChildMain.say(late.digest());
        });
    }
}
