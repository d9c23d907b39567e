package io.jsyncq.aeron;

import io.jsyncq.SyncQueue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/** A writer on one "host": {@code DIR QUEUE SENDER COUNT}; appends COUNT checksummed messages, waiting for room. */
public final class HostWriter {

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        String sender = args[2];
        int count = Integer.parseInt(args[3]);
        SplittableRandom random = new SplittableRandom(sender.hashCode());
        try (SyncQueue queue = SyncQueue.builder(args[1]).directory(directory).sender(sender).writeOnly().open()) {
            for (int sequence = 1; sequence <= count; sequence++) {
                queue.append(TrafficProtocol.DATA, TrafficProtocol.message(sequence, random), Duration.ofMinutes(2));
            }
        }
        System.out.println("wrote " + count);
    }
}
