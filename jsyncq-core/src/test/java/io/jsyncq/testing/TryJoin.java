package io.jsyncq.testing;

import io.jsyncq.SyncQueue;

import java.nio.file.Path;

/**
 * Child program: opens or creates a queue, and prints {@code OK} or {@code FAILED ExceptionName: message},
 * for tests that need another user, or a small file system of its own, to see how joining fails.
 *
 * <p>Arguments: {@code open} or {@code create}, queue name, directory, size (for create).
 */
public final class TryJoin {

    private TryJoin() {
    }

    public static void main(String[] args) {
        SyncQueue.Builder builder = SyncQueue.builder(args[1]).directory(Path.of(args[2]));
        try (SyncQueue queue = args[0].equals("create") ? builder.size(Long.parseLong(args[3])).create() : builder.open()) {
            System.out.println("OK " + queue.capacity());
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
