package io.jsyncq.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A file under /dev/shm mapped shared into this process, with every page touched before use. */
final class Shm implements AutoCloseable {

    static final Path DIR = Path.of("/dev/shm");
    static final String PREFIX = "jsyncq-bench-";
    private static final int PAGE = 4096;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private Shm(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    static Path path(String name) {
        return DIR.resolve(PREFIX + name);
    }

    /** Creates (or replaces) the file, writes zeros to every byte so that tmpfs allocates every page now, maps it. */
    static Shm create(Path path, long size) {
        try {
            Files.deleteIfExists(path);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long written = 0; written < size; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), size - written));
                    written += channel.write(zeros, written);
                }
            }
            return open(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Maps an existing file and touches every page of the mapping (a read, so nothing is overwritten). */
    static Shm open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
            preTouch(segment);
            return new Shm(path, arena, segment);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException(e);
        }
    }

    static long preTouch(MemorySegment segment) {
        long sum = 0;
        for (long at = 0; at < segment.byteSize(); at += PAGE) {
            sum += segment.get(ValueLayout.JAVA_BYTE, at);
        }
        return sum;
    }

    MemorySegment segment() {
        return segment;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        arena.close();
    }

    void closeAndDelete() {
        close();
        deleteQuietly(path);
    }

    static void deleteQuietly(Path path) {
        try {
            if (Files.isDirectory(path)) {
                try (var walk = Files.walk(path)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            } else {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the run's final sweep removes whatever is left
        }
    }

    /** Removes every /dev/shm entry whose name starts with {@code jsyncq-bench-<run>}. */
    static void sweep(String run) {
        try (var list = Files.list(DIR)) {
            list.filter(p -> p.getFileName().toString().startsWith(PREFIX + run)).forEach(Shm::deleteQuietly);
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }
}
