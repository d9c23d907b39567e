package io.jsyncq.bench;

import io.jsyncq.MessageHandler;
import io.jsyncq.SyncQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * A worker's first act: the append and read paths of jsyncq and Agrona, run in one thread for a moment so
 * that the JIT compiles them before any measurement. Compiling needs a free core, which two busy-spinning
 * processes on a 2-core machine do not leave; jsyncq's foreign-memory code in particular is far slower
 * interpreted than compiled. (Aeron and Chronicle need a driver or files: the warm-up round covers them.)
 */
final class JitWarmUp {

    private static final long MAX_NANOS = 1_000_000_000L;

    private JitWarmUp() {
    }

    static void run(String run) {
        long deadline = System.nanoTime() + MAX_NANOS;
        byte[] dst = new byte[1024];
        String name = Shm.PREFIX + run + "-warm-" + ProcessHandle.current().pid();
        try (SyncQueue queue = SyncQueue.builder(name).size(1 << 20).sender("warm").filterSelf(false).create()) {
            MemorySegment body = MemorySegment.ofArray(new byte[1024]);
            MemorySegment small = body.asSlice(0, 32);
            int[] got = new int[1];
            MessageHandler copy = view -> {
                got[0] = view.bodyLength();
                MemorySegment.copy(view.buffer(), ValueLayout.JAVA_BYTE, view.bodyOffset(), dst, 0, got[0]);
            };
            for (int i = 0; i < 200_000 && System.nanoTime() - deadline < 0; i++) {
                queue.append("m", (i & 1) == 0 ? small : body, SyncQueue.FOREVER);
                queue.pop(copy, SyncQueue.FOREVER);
                queue.append("m", small);
                queue.pop(copy);
            }
        }
        UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH));
        OneToOneRingBuffer ring = new OneToOneRingBuffer(memory);
        UnsafeBuffer src = new UnsafeBuffer(new byte[1024]);
        org.agrona.concurrent.MessageHandler handler = (type, buffer, index, length) -> buffer.getBytes(index, dst, 0, length);
        deadline = System.nanoTime() + MAX_NANOS / 3;
        for (int i = 0; i < 200_000 && System.nanoTime() - deadline < 0; i++) {
            ring.write(1, src, 0, (i & 1) == 0 ? 32 : 1024);
            ring.read(handler, 64);
        }
    }
}
