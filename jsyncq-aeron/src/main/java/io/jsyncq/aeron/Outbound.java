package io.jsyncq.aeron;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jsyncq.MessageHandler;
import io.jsyncq.MessageView;
import io.jsyncq.SyncQueue;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * This host's messages out to every peer: the bridge's registration reads the local queue (skipping what
 * the bridge itself relayed in, so nothing goes back where it came from), puts each message into the
 * {@link Outbox} as a frame numbered with the next origin sequence, and sends it to every peer's stream, in
 * the local queue's order. It also takes the peers' acknowledgements, and lets a frame go from the outbox
 * once every peer (not cut off) has appended it.
 *
 * <p>The registration is durable and acknowledges by hand: the local queue holds a message until its frame
 * is in the outbox, and the outbox holds it until the peers have it, so a bridge killed at any point loses
 * nothing (see {@link Outbox}). On restart, a message read again that ends at or before the newest one in the
 * outbox is not added twice.
 *
 * <p>It never waits for a peer while holding its read position: a frame a peer cannot take now is sent
 * from the outbox later. The outbox is bounded; when it is full the bridge stops reading, and so holds this
 * host's writers back as a slow reader does, until the peers take more or the slowest is cut off by the
 * peer timeout (see {@link PeerLink}).
 */
final class Outbound {

    /** Messages per batch: the local acknowledgement is stored once per batch, and the peers served between. */
    private static final int BATCH = 256;
    /** Thrown by the handler to leave a message unread when the outbox has no room: no stack, made once. */
    private static final RuntimeException OUTBOX_FULL = new RuntimeException("the outbox is full", null, false, false) {
    };

    private final SyncQueue queue;
    private final List<PeerLink> peers;
    private final Outbox outbox;
    private final Subscription acknowledgements;
    private final LongSupplier acknowledgeLimit;
    private final Consumer<String> log;
    private final MessageHandler relay = this::relay;
    private final FragmentHandler acknowledgementHandler = new FragmentAssembler(this::onAcknowledgement);
    private final int maxFrameLength;
    private final long origin;
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final Set<String> strangers = new HashSet<>();

    private long acknowledgedLocally;
    private volatile long relayed;

    /**
     * @param acknowledgeLimit the position the local acknowledgement must not pass now: an append of the
     *                         bridge's own in progress (its position still to be learnt after a crash), or
     *                         {@link Long#MAX_VALUE}
     */
    Outbound(SyncQueue queue, List<PeerLink> peers, Outbox outbox, Subscription acknowledgements,
             LongSupplier acknowledgeLimit, Consumer<String> log) {
        this.queue = queue;
        this.peers = peers;
        this.outbox = outbox;
        this.acknowledgements = acknowledgements;
        this.acknowledgeLimit = acknowledgeLimit;
        this.log = log;
        this.origin = outbox.originId();
        this.maxFrameLength = Math.min(outbox.maxFrameLength(),
                peers.stream().mapToInt(PeerLink::maxMessageLength).min().orElseThrow());
        this.acknowledgedLocally = queue.readPosition();
    }

    long relayed() {
        return relayed;
    }

    long backlogBytes() {
        return outbox.bytes();
    }

    /**
     * One duty cycle: acknowledgements in, the outbox served, the local queue read (without waiting: the
     * bridge's thread has other work), the local acknowledgement, the peers' timeouts.
     *
     * @return how much was done: 0 if nothing
     */
    int doWork() {
        int acknowledged = acknowledgements.poll(acknowledgementHandler, 16);
        boolean served = serveOutbox();
        int read = 0;
        try {
            read = queue.poll(relay, BATCH, Duration.ZERO);
        } catch (RuntimeException full) {
            if (full != OUTBOX_FULL) {
                throw full;
            }
        }
        acknowledgeLocally();
        long now = System.nanoTime();
        for (PeerLink peer : peers) {
            peer.lookAtConnection();
            if (!peer.isCutOff() && peer.waitedTooLong(now)) {
                peer.cutOff(outbox.end());
                releaseHeldFrames();
            }
        }
        return acknowledged + read + (served ? 1 : 0);
    }

    /**
     * Hands back the local queue's space up to what has been read (so is in the outbox, or was skipped),
     * but never past an append of the bridge's own in progress. The limit is read after the read position:
     * an append that begins later claims space after everything read so far.
     */
    private void acknowledgeLocally() {
        long read = queue.readPosition();
        long limit = Math.min(read, acknowledgeLimit.getAsLong());
        if (limit > acknowledgedLocally) {
            queue.acknowledge(limit);
            acknowledgedLocally = limit;
        }
    }

    /** Offers each peer the outbox's frames it still needs, until one is refused; true if any was taken. */
    private boolean serveOutbox() {
        boolean served = false;
        long now = System.nanoTime();
        for (PeerLink peer : peers) {
            while (!peer.isCutOff() && peer.next < outbox.end()) {
                if (outbox.isPlaceholder(peer.next)) {
                    peer.skipUndelivered(); // a message no stream carries, logged when it was read
                    continue;
                }
                outbox.wrap(peer.next, frame);
                if (!peer.offer(frame, frame.capacity(), now)) {
                    break;
                }
                served = true;
            }
        }
        return served;
    }

    private void releaseHeldFrames() {
        long oldestNeeded = outbox.end();
        for (PeerLink peer : peers) {
            oldestNeeded = Math.min(oldestNeeded, peer.oldestNeeded());
        }
        outbox.releaseBefore(oldestNeeded);
    }

    private void onAcknowledgement(DirectBuffer buffer, int offset, int length, Header header) {
        if (!AckFrame.isWellFormed(buffer, offset, length)) {
            if (strangers.add("damaged")) {
                log.accept("a damaged acknowledgement (" + length + " bytes) from " + header.sessionId()
                        + " was ignored; is every peer a jsyncq bridge of the same version?");
            }
            return;
        }
        String endpoint = AckFrame.endpoint(buffer, offset);
        for (PeerLink peer : peers) {
            if (peer.endpoint().toString().equals(endpoint)) {
                peer.onAcknowledgement(AckFrame.run(buffer, offset), AckFrame.newestOf(buffer, offset, origin),
                        outbox.start(), outbox.end(), System.nanoTime());
                releaseHeldFrames();
                return;
            }
        }
        if (strangers.add(endpoint)) {
            log.accept("acknowledgements come from " + endpoint + ", which is not among this bridge's peers: give each"
                    + " peer as it gives itself with --listen, or frames for it are kept until it is cut off");
        }
    }

    private void relay(MessageView message) {
        long end = message.endPosition();
        if (end <= outbox.newestQueuePosition()) {
            return; // put in the outbox before this bridge restarted
        }
        long sequence = outbox.end();
        int length = RelayFrame.length(message);
        boolean carried = length <= maxFrameLength;
        if (carried) {
            MemorySegment reserved = outbox.reserve(length);
            if (reserved == null) {
                throw OUTBOX_FULL;
            }
            RelayFrame.encode(message, origin, sequence, reserved);
            outbox.commit(end);
        } else {
            if (!outbox.addPlaceholder(end)) {
                throw OUTBOX_FULL;
            }
            log.accept("a message of " + message.bodyLength() + " body bytes from " + message.sender() + " (origin"
                    + " sequence " + sequence + ") is larger than the streams to the peers carry (" + maxFrameLength
                    + " bytes with its names): NOT delivered to any peer; start the bridges with a larger term length"
                    + " and backlog");
        }
        long now = System.nanoTime();
        for (PeerLink peer : peers) {
            if (peer.next != sequence) {
                continue; // behind: served from the outbox
            }
            if (!carried) {
                peer.skipUndelivered();
            } else if (!peer.isCutOff() || peer.mayRetry(now)) {
                outbox.wrap(sequence, frame);
                if (!peer.offer(frame, length, now) && peer.isCutOff()) {
                    peer.skipUndelivered();
                }
            } else {
                peer.skipUndelivered();
            }
        }
        relayed++;
    }
}
