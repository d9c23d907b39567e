package io.jsyncq.process;

import io.jsyncq.SyncQueue;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Child process: registers, screens the sender {@code noise}, says READY, then pops with blocking waits
 * until it has read {@code count} messages numbered 0, 1, 2, ... from {@code wanted}, in that order, and
 * says how many. Run with a sleep cap of a minute (ProcessSupport), so a wake-up it should have had and did
 * not turns into a pop that runs into its timeout.
 *
 * <p>Arguments: queue name, count.
 */
public final class ScreeningReader {

    private ScreeningReader() {
    }

    public static void main(String[] args) {
        ChildMain.run(() -> {
            int count = Integer.parseInt(args[1]);
            try (SyncQueue queue = SyncQueue.builder(args[0]).sender("screening").open()) {
                queue.senderScreen().add("noise");
                ChildMain.say("READY");
                long[] next = {0};
                for (int i = 0; i < count; i++) {
                    boolean got = queue.pop(view -> {
                        if (!view.sender().equals("wanted")) {
                            throw new IllegalStateException("a screened sender's message: " + view.sender());
                        }
                        long number = view.body().asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
                        if (number != next[0]) {
                            throw new IllegalStateException("message " + number + " where " + next[0] + " was due");
                        }
                        next[0]++;
                    }, Duration.ofSeconds(30));
                    if (!got) {
                        throw new IllegalStateException("no message for 30 s after " + next[0] + " of " + count);
                    }
                }
                ChildMain.say("READ " + next[0]);
            }
        });
    }
}
