package io.jsyncq.bench;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Agrona's {@link OneToOneRingBuffer} over a mapped /dev/shm file, one file per channel (it has one reader,
 * so no fan-out). It cannot wait without a core: BLOCK is Agrona's {@link BackoffIdleStrategy}.
 */
final class AgronaLink extends Link {

    private static final int MESSAGE_TYPE = 1;

    private final List<Shm> files = new ArrayList<>();
    private OneToOneRingBuffer out;
    private OneToOneRingBuffer in;
    private final UnsafeBuffer srcBuffer;
    private final IdleStrategy idle;
    private Sink sink;
    private final MessageHandler handler = (type, buffer, index, length) -> {
        buffer.getBytes(index, dst, 0, length);
        sink.onMessage(dst, length);
    };

    AgronaLink(Task task, Topology topology, Mode mode, int maxLength) {
        super(maxLength);
        srcBuffer = new UnsafeBuffer(src);
        idle = mode == Mode.SPIN ? new BusySpinIdleStrategy() : new BackoffIdleStrategy();
        long fileLength = task.longParam("ring", 1 << 20) + RingBufferDescriptor.TRAILER_LENGTH;
        int writes = topology.writes(task.rank);
        int reads = topology.reads(task.rank);
        try {
            if (writes >= 0) {
                files.add(Shm.create(task.shmPath("ring-c" + writes), fileLength));
                out = ring(files.getLast());
            }
            task.barrier();
            if (reads >= 0) {
                files.add(Shm.open(task.shmPath("ring-c" + reads)));
                in = ring(files.getLast());
            }
            task.barrier();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static OneToOneRingBuffer ring(Shm file) {
        return new OneToOneRingBuffer(new UnsafeBuffer(file.segment().address(), (int) file.segment().byteSize()));
    }

    @Override
    void send(int length) {
        while (!out.write(MESSAGE_TYPE, srcBuffer, 0, length)) {
            idle.idle();
        }
        idle.reset();
    }

    @Override
    int receive(Sink sink, int max) {
        this.sink = sink;
        int count;
        while ((count = in.read(handler, max)) == 0) {
            idle.idle();
        }
        idle.reset();
        return count;
    }

    @Override
    public void close() {
        files.forEach(Shm::close);
    }
}
