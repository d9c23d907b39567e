package io.jsyncq.process;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Child process of the stress test: registers, says READY, then pops and checks every message until every
 * writer's end has arrived, and prints a digest of the order it saw.
 *
 * <p>Arguments: queue name, reader name, order file, writer count, {@code copy} (pop copies) or
 * {@code view} (zero-copy pop through a view of the shared memory).
 */
public final class StressReader {

    static final Duration POP_TIMEOUT = Duration.ofSeconds(30);

    private StressReader() {
    }

    public static void main(String[] args) {
        ChildMain.run(() -> {
            String name = args[0];
            String reader = args[1];
            Path orderFile = Path.of(args[2]);
            int writers = Integer.parseInt(args[3]);
            boolean zeroCopy = args[4].equals("view");
            StreamChecker checker = new StreamChecker(reader, writers, true);
            try (SyncQueue queue = SyncQueue.builder(name).sender(reader).open()) {
                ChildMain.say("READY");
                readUntilAllEnded(queue, checker, zeroCopy, Integer.MAX_VALUE);
                Optional<Message> extra = queue.pop(Duration.ofMillis(200));
                if (extra.isPresent()) {
                    throw new IllegalStateException(reader + ": a message after every writer's end: " + extra.get());
                }
            }
            checker.writeOrder(orderFile);
            ChildMain.say(checker.digest());
        });
    }

    /** Pops until every writer has ended, or until {@code maxData} data messages have been read. */
    static void readUntilAllEnded(SyncQueue queue, StreamChecker checker, boolean zeroCopy, int maxData) {
        while (!checker.allEnded() && checker.dataCount() < maxData) {
            boolean got;
            if (zeroCopy) {
                got = queue.pop(view -> checker.accept(view.sender(), view.type(), view.body().asByteBuffer()),
                        POP_TIMEOUT);
            } else {
                Optional<Message> message = queue.pop(POP_TIMEOUT);
                message.ifPresent(m -> checker.accept(m.sender(), m.type(), ByteBuffer.wrap(m.body())));
                got = message.isPresent();
            }
            if (!got) {
                throw new IllegalStateException("no message for " + POP_TIMEOUT + ": " + checker.state());
            }
        }
    }
}
