package io.jsyncq.bench;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.threads.Pauser;
import net.openhft.chronicle.wire.DocumentContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Chronicle Queue: one queue directory under /dev/shm per channel, an appender for the writer, a tailer
 * per reader. A journal: the writer never waits for readers, and every message goes to fresh file pages.
 * (Its pre-toucher is not usable in the open-source build: {@code ExcerptAppender.pretouch()} recurses until
 * the stack overflows in 5.27ea0.) BLOCK is Chronicle's balanced pauser.
 */
final class ChronicleLink extends Link {

    private final List<ChronicleQueue> queues = new ArrayList<>();
    private ExcerptAppender appender;
    private ExcerptTailer tailer;
    private final Pauser pauser;

    ChronicleLink(Task task, Topology topology, Mode mode, int maxLength) {
        super(maxLength);
        pauser = mode == Mode.SPIN ? Pauser.busy() : Pauser.balanced();
        int writes = topology.writes(task.rank);
        int reads = topology.reads(task.rank);
        try {
            if (writes >= 0) {
                ChronicleQueue queue = ChronicleQueue.singleBuilder(task.shmPath("cq-c" + writes)).build();
                queues.add(queue);
                appender = queue.createAppender();
            }
            task.barrier();
            if (reads >= 0) {
                ChronicleQueue queue = ChronicleQueue.singleBuilder(task.shmPath("cq-c" + reads)).build();
                queues.add(queue);
                tailer = queue.createTailer();
            }
            task.barrier();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    void send(int length) {
        try (DocumentContext document = appender.writingDocument()) {
            document.wire().bytes().write(src, 0, length);
        }
    }

    @Override
    int receive(Sink sink, int max) {
        int count = 0;
        while (count < max) {
            try (DocumentContext document = tailer.readingDocument()) {
                if (document.isPresent()) {
                    Bytes<?> bytes = document.wire().bytes();
                    int length = (int) bytes.readRemaining();
                    bytes.read(dst, 0, length);
                    sink.onMessage(dst, length);
                    count++;
                    continue;
                }
            }
            if (count > 0) {
                break;
            }
            pauser.pause();
        }
        pauser.reset();
        return count;
    }

    @Override
    public void close() {
        queues.forEach(ChronicleQueue::close);
    }
}
