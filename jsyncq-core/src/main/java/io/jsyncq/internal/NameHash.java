package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 64-bit hash (FNV-1a) by which a reader publishes the sender and type names it screens, and a writer
 * tests its record against them (design.md §5). The same bytes hash the same from an array or from the
 * ring. Two names sharing a hash would let a writer take a record the reader reads for a screened one: the
 * reader then sees it at its next wake-up, at most one sleep cap later, never loses it.
 */
final class NameHash {

    private static final long OFFSET_BASIS = 0xcbf2_9ce4_8422_2325L;
    private static final long PRIME = 0x0000_0100_0000_01b3L;

    private NameHash() {
    }

    static long of(byte[] bytes) {
        long hash = OFFSET_BASIS;
        for (byte b : bytes) {
            hash = (hash ^ (b & 0xFF)) * PRIME;
        }
        return hash;
    }

    static long of(MemorySegment memory, long offset, int length) {
        long hash = OFFSET_BASIS;
        for (int i = 0; i < length; i++) {
            hash = (hash ^ (memory.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF)) * PRIME;
        }
        return hash;
    }
}
