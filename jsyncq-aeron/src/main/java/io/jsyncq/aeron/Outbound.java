package io.jsyncq.aeron;

import io.jsyncq.MessageHandler;
import io.jsyncq.MessageView;
import io.jsyncq.QueueClosedException;
import io.jsyncq.SyncQueue;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * This host's messages out to every peer: the bridge's registration reads the local queue (skipping what
 * the bridge itself relayed in, so nothing goes back where it came from) and sends each message once to
 * every peer's stream, in the local queue's order, numbering them with an origin sequence.
 *
 * <p>It never waits for a peer while holding its read position: a frame a peer cannot take now goes to the
 * {@link Backlog}, and the peer is served from there first. The backlog is bounded; when it is full the
 * bridge stops reading, and so holds this host's writers back as a slow reader does, until the peers take
 * more or the slowest is cut off by the peer timeout (see {@link PeerLink}).
 */
final class Outbound implements Runnable {

    /** Messages per batch: the cursor is stored once per batch, and the backlog served between. */
    private static final int BATCH = 256;
    /** How long an empty poll waits (on the queue's futex) when no peer waits for a frame. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(100);

    private final SyncQueue queue;
    private final List<PeerLink> peers;
    private final Consumer<String> log;
    private final MessageHandler relay = this::relay;
    private final BooleanSupplier stopping;
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    private final int maxFrameLength;
    private final long maxBacklogBytes;
    private final Backlog backlog = new Backlog();
    private final UnsafeBuffer backlogFrame = new UnsafeBuffer(new byte[0]);
    private final Arena arena = Arena.ofShared();

    private MemorySegment frameMemory;
    private UnsafeBuffer frame;
    private volatile long relayed;

    Outbound(SyncQueue queue, List<PeerLink> peers, long maxBacklogBytes, BooleanSupplier stopping,
             Consumer<String> log) {
        this.queue = queue;
        this.peers = peers;
        this.maxBacklogBytes = maxBacklogBytes;
        this.stopping = stopping;
        this.log = log;
        this.maxFrameLength = peers.stream().mapToInt(PeerLink::maxMessageLength).min().orElseThrow();
        growFrame(64 * 1024);
    }

    long relayed() {
        return relayed;
    }

    long backlogBytes() {
        return backlog.bytes();
    }

    @Override
    public void run() {
        try {
            while (!stopping.getAsBoolean()) {
                boolean served = serveBacklog();
                int read = 0;
                if (backlog.bytes() < maxBacklogBytes) {
                    read = queue.poll(relay, BATCH, backlog.isEmpty() ? IDLE_WAIT : Duration.ZERO);
                }
                long now = System.nanoTime();
                for (PeerLink peer : peers) {
                    peer.lookAtConnection();
                    if (!peer.isCutOff() && peer.waitedTooLong(now)) {
                        peer.cutOff(backlog.end());
                        releaseTakenFrames();
                    }
                }
                if (!backlog.isEmpty()) {
                    idle.idle(served || read > 0 ? 1 : 0);
                }
            }
        } catch (QueueClosedException closed) {
            if (!stopping.getAsBoolean()) {
                throw closed;
            }
        } finally {
            for (PeerLink peer : peers) {
                while (peer.next < backlog.end()) {
                    peer.skipUndelivered(); // the bridge stops: what waited for a peer is counted, not lost silently
                }
            }
            arena.close();
        }
    }

    /** Offers each peer the backlog frames it still needs, until one is refused; true if any was taken. */
    private boolean serveBacklog() {
        if (backlog.isEmpty()) {
            return false;
        }
        boolean served = false;
        long now = System.nanoTime();
        for (PeerLink peer : peers) {
            while (!peer.isCutOff() && peer.next < backlog.end()) {
                if (backlog.isPlaceholder(peer.next)) {
                    peer.skipUndelivered(); // a message no stream carries, counted when it was read
                    continue;
                }
                backlog.wrap(peer.next, backlogFrame);
                if (!peer.offer(backlogFrame, backlogFrame.capacity(), now)) {
                    break;
                }
                served = true;
            }
        }
        releaseTakenFrames();
        return served;
    }

    private void releaseTakenFrames() {
        long oldestNeeded = backlog.end();
        for (PeerLink peer : peers) {
            oldestNeeded = Math.min(oldestNeeded, peer.next);
        }
        backlog.releaseBefore(oldestNeeded);
    }

    private void relay(MessageView message) {
        long sequence = backlog.end();
        int length = RelayFrame.length(message);
        boolean carried = length <= maxFrameLength;
        if (carried) {
            if (length > frame.capacity()) {
                growFrame(Math.max(length, 2 * frame.capacity()));
            }
            RelayFrame.encode(message, sequence, frame, frameMemory);
        } else {
            log.accept("a message of " + message.bodyLength() + " body bytes from " + message.sender() + " (origin"
                    + " sequence " + sequence + ") is larger than the streams to the peers carry (" + maxFrameLength
                    + " bytes with its names): NOT delivered to any peer; start the bridges with a larger term length");
        }
        boolean someoneBehind = false;
        long now = System.nanoTime();
        for (PeerLink peer : peers) {
            if (peer.next == sequence && peer.isCutOff() && carried && peer.mayRetry(now)
                    && peer.offer(frame, length, now)) {
                continue; // back: it took this frame
            }
            if (peer.next == sequence && (peer.isCutOff() || !carried)) {
                peer.skipUndelivered();
            } else if (peer.next != sequence || !peer.offer(frame, length, now)) {
                someoneBehind = true;
            }
        }
        if (someoneBehind) {
            backlog.add(carried ? frame : null, length);
        } else {
            backlog.releaseBefore(sequence);
            backlog.skipTo(sequence + 1);
        }
        relayed++;
    }

    private void growFrame(int capacity) {
        frameMemory = arena.allocate(Math.min(capacity, maxFrameLength), 64);
        frame = new UnsafeBuffer(frameMemory.address(), (int) frameMemory.byteSize());
    }
}
