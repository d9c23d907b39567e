package io.jsyncq.process;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.jsyncq.process.StressProtocol.*;

/**
 * Child process of the stress test: registers, says READY, waits for the go message, appends its messages
 * with blocking appends, then its end message.
 *
 * <p>A registration is a reader too, and its cursor holds space until it pops: a writer that never popped
 * would fill the queue with messages nobody may overwrite (its own, self-screened, among them). So while the
 * main thread appends, a second thread of this process keeps popping; it screens every writer's messages and
 * expects to be handed none.
 *
 * <p>Arguments: queue name, writer id, message count, writer count, seed, and how to pass bodies:
 * {@code bytes}, {@code buffer} or {@code segment}.
 */
public final class StressWriter {

    static final Duration APPEND_TIMEOUT = Duration.ofSeconds(30);

    private StressWriter() {
    }

    public static void main(String[] args) {
        ChildMain.run(() -> {
            String name = args[0];
            int id = Integer.parseInt(args[1]);
            int count = Integer.parseInt(args[2]);
            int writers = Integer.parseInt(args[3]);
            SplittableRandom random = new SplittableRandom(Long.parseLong(args[4]));
            String mode = args[5];
            try (SyncQueue queue = SyncQueue.builder(name).sender(writerName(id)).open()) {
                for (int writer = 0; writer < writers; writer++) {
                    queue.senderScreen().add(writerName(writer));
                }
                ChildMain.say("READY");
                Message go = queue.pop(Duration.ofSeconds(60))
                        .orElseThrow(() -> new IllegalStateException("no go message within 60 s"));
                if (!go.sender().equals(CONTROL_SENDER) || !go.type().equals(GO)) {
                    throw new IllegalStateException("expected the go message first, got " + go);
                }

                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> popperFailure = new AtomicReference<>();
                Thread main = Thread.currentThread();
                Thread popper = Thread.ofPlatform().name("popper").start(() -> {
                    try {
                        while (!stop.get()) {
                            Optional<Message> message = queue.pop(Duration.ofMillis(50));
                            if (message.isPresent()) {
                                throw new IllegalStateException("the popping thread was handed a message it "
                                        + "screens: " + message.get());
                            }
                        }
                    } catch (Throwable failure) {
                        popperFailure.set(failure);
                        main.interrupt(); // the appends would otherwise wait for room this thread no longer frees
                    }
                });
                try {
                    byte[] body = new byte[MAX_BODY];
                    for (int seq = 0; seq < count; seq++) {
                        int length = 1 + random.nextInt(MAX_BODY);
                        fill(body, length, random);
                        String type = dataType(seq, checksum(id, seq, ByteBuffer.wrap(body, 0, length)));
                        switch (mode) {
                            case "bytes" -> queue.append(type, Arrays.copyOf(body, length), APPEND_TIMEOUT);
                            case "buffer" -> queue.append(type, ByteBuffer.wrap(body, 0, length), APPEND_TIMEOUT);
                            case "segment" -> queue.append(type, MemorySegment.ofArray(body).asSlice(0, length),
                                    APPEND_TIMEOUT);
                            default -> throw new IllegalArgumentException("unknown body mode " + mode);
                        }
                    }
                    queue.append(END, Integer.toString(count), APPEND_TIMEOUT);
                } catch (RuntimeException failure) {
                    if (popperFailure.get() != null) {
                        failure.addSuppressed(popperFailure.get());
                    }
                    throw failure;
                } finally {
                    stop.set(true);
                    while (popper.isAlive()) {
                        try {
                            popper.join();
                        } catch (InterruptedException fromPopper) {
                            // its failure is already recorded
                        }
                    }
                }
                if (popperFailure.get() != null) {
                    throw new IllegalStateException("the popping thread failed", popperFailure.get());
                }
            }
            ChildMain.say("WROTE " + count);
        });
    }
}
