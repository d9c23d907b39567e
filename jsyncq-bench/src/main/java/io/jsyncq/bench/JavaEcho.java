package io.jsyncq.bench;

import io.jsyncq.Message;
import io.jsyncq.SyncQueue;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The echo child of pysyncq's benchmark shape, in Java, for the Python↔Java column of that shape: started by
 * {@code src/main/python/python_echo8.py} (implementation {@code jsyncq-java-echo}) in place of its Python
 * echo child, it registers as {@code echo}, says {@code ready}, and appends back every message it pops, as
 * the Python child does, until one of type {@code end}. It uses the public API as a Java user would. Before
 * registering it runs the same calls on a queue of its own for up to a second, so that the JIT has compiled
 * them (as the bench's Java workers do, {@link JitWarmUp}): the shape's warm-up is too short for that.
 *
 * <pre>JavaEcho DIRECTORY QUEUE_NAME</pre>
 */
public final class JavaEcho {

    private JavaEcho() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: JavaEcho DIRECTORY QUEUE_NAME");
            System.exit(2);
        }
        warmUp(Path.of(args[0]), args[1] + "-warm");
        try (SyncQueue queue = SyncQueue.builder(args[1]).directory(Path.of(args[0])).sender("echo").open()) {
            System.out.println("ready");
            System.out.flush();
            while (true) {
                Optional<Message> message = queue.pop(SyncQueue.FOREVER);
                if (message.isEmpty()) {
                    continue;
                }
                if (message.get().type().equals("end")) {
                    break;
                }
                queue.append("m", message.get().body(), SyncQueue.FOREVER);
            }
        }
    }

    private static void warmUp(Path directory, String name) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        byte[] body = new byte[1024];
        try (SyncQueue queue = SyncQueue.builder(name).directory(directory).size(1 << 20).sender("warm")
                .filterSelf(false).create()) {
            for (int i = 0; i < 100_000 && System.nanoTime() - deadline < 0; i++) {
                queue.append("m", body, SyncQueue.FOREVER);
                Optional<Message> message = queue.pop(SyncQueue.FOREVER);
                if (message.isEmpty() || message.get().type().equals("end")) {
                    throw new IllegalStateException("warm-up: lost a message");
                }
            }
        }
    }
}
