package io.jsyncq.aeron;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * The way out to one peer bridge: an Aeron publication to the peer's endpoint, the origin sequence of the
 * next frame to send it, the newest one it has acknowledged (appended to its queue), and what this bridge
 * reports about it. Used by the bridge's thread alone; the counters are volatile for {@link Bridge#status()}.
 *
 * <p>Frames the peer has not acknowledged stay in the {@link Outbox}. When the peer's acknowledgements come
 * from a new run of its bridge (it restarted), or at this bridge's own start, the next frame goes back to
 * the one after its acknowledged frame: what was in flight to a bridge that died is sent again, and the
 * peer drops what it has already. Before the first frame after any frame it will not get (the start of
 * what this outbox still holds, a message too large for the stream, frames counted while it was cut off),
 * the peer is sent a <em>gap notice</em>, so that it appends only frames that follow each other, and knows a
 * frame that does not as one to drop (it comes again).
 *
 * <p>A peer that takes no frame for the peer timeout while frames wait for it is <em>cut off</em>: the
 * bridge says so, counts every frame it does not deliver to it (with the first and last origin sequence),
 * and delivers again, after saying how many the peer missed, once the peer takes a frame again (it is tried
 * every 200 ms while it is connected). Nothing is
 * dropped without being counted and logged.
 */
final class PeerLink implements AutoCloseable {

    /** What a peer is, as {@link Bridge#status()} shows it. */
    enum State {
        /** Not connected yet since this bridge started. */
        WAITING,
        /** Taking messages. */
        CONNECTED,
        /** Took nothing for the peer timeout: messages for it are counted, not sent, until it is back. */
        CUT_OFF
    }

    /** How often a cut-off peer is tried again. */
    private static final long RETRY_NANOS = 200_000_000L;

    private final Endpoint endpoint;
    private final ExclusivePublication publication;
    private final long timeoutNanos;
    private final Consumer<String> log;

    /** The origin sequence of the next frame to send this peer. */
    long next;
    /** The newest origin sequence the peer has acknowledged (0: none yet this run). */
    private volatile long acknowledged;
    /** The run of the peer's bridge its acknowledgements came from, 0 before the first. */
    private long peerRun;
    /** Until when the peer will get no frame (a gap notice to send before the next frame), or -1. */
    private long gapThrough = -1;
    /** When frames sent became outstanding, or the peer's acknowledgements last moved on. */
    private long acknowledgedSinceNanos;
    private final UnsafeBuffer notice = new UnsafeBuffer(new byte[RelayFrame.HEADER_LENGTH]);
    private volatile State state = State.WAITING;
    private volatile long sent;
    private volatile long undelivered;
    private volatile long firstUndelivered;
    private volatile long lastUndelivered;
    /** The frames missed since the last cut-off: what the "reachable again" line reports. */
    private long missedFirst;
    private long missedCount;
    /** When it first failed to take the frame it needs now, or -1 while it takes what it is given. */
    private long waitingSinceNanos = -1;
    private boolean connectedLastLook;
    private long lastRetryNanos;

    PeerLink(Endpoint endpoint, ExclusivePublication publication, long timeoutNanos, long origin, long firstHeld,
             Consumer<String> log) {
        this.endpoint = endpoint;
        this.publication = publication;
        this.timeoutNanos = timeoutNanos;
        this.log = log;
        RelayFrame.encodeGapNotice(notice, origin);
        sendFrom(firstHeld);
        acknowledgedSinceNanos = System.nanoTime();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    int maxMessageLength() {
        return publication.maxMessageLength();
    }

    boolean isCutOff() {
        return state == State.CUT_OFF;
    }

    /**
     * Offers the frame of origin sequence {@link #next} without waiting.
     *
     * @return true if the stream took it (and {@link #next} moved on)
     */
    boolean offer(DirectBuffer frame, int length, long nowNanos) {
        if (gapThrough >= 0) {
            RelayFrame.setSequence(notice, gapThrough);
            if (!accepted(publication.offer(notice, 0, notice.capacity()), nowNanos)) {
                return false;
            }
            gapThrough = -1;
        }
        if (!accepted(publication.offer(frame, 0, length), nowNanos)) {
            return false;
        }
        if (acknowledged >= next - 1 || state == State.CUT_OFF) {
            acknowledgedSinceNanos = nowNanos; // nothing was outstanding: the wait for an acknowledgement starts now
        }
        if (state == State.CUT_OFF) {
            log.accept("peer " + endpoint + " takes messages again; " + missedCount + " messages (origin sequences "
                    + missedFirst + " to " + (missedFirst + missedCount - 1) + ") were NOT delivered to it");
            missedCount = 0;
            acknowledged = Math.max(acknowledged, next - 1); // what came before was counted, or is in its stream
        }
        next++;
        sent++;
        waitingSinceNanos = -1;
        state = State.CONNECTED;
        return true;
    }

    private boolean accepted(long result, long nowNanos) {
        if (result > 0) {
            return true;
        }
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            throw new IllegalStateException("the stream to peer " + endpoint + " can take no more ("
                    + Publication.errorString(result) + "); restart the bridge");
        }
        if (waitingSinceNanos < 0) {
            waitingSinceNanos = nowNanos;
        }
        return false;
    }

    /**
     * The peer's acknowledgement: {@code newest} is the newest of this host's frames it has appended, as
     * its bridge run {@code run} says. A new run means the peer's bridge (re)started, or this one did and has
     * heard nothing yet: sending starts again after what it acknowledges, from what the outbox still holds.
     */
    void onAcknowledgement(long run, long newest, long firstHeld, long end, long nowNanos) {
        if (run != peerRun) {
            if (peerRun != 0) {
                log.accept("peer " + endpoint + " restarted; sending it again what it has not appended, from origin"
                        + " sequence " + Math.max(newest + 1, firstHeld));
            }
            peerRun = run;
            acknowledged = newest;
            acknowledgedSinceNanos = nowNanos;
            if (state != State.CUT_OFF) {
                sendFrom(Math.min(Math.max(newest + 1, firstHeld), end));
            }
            return;
        }
        if (newest > acknowledged) {
            acknowledged = newest;
            acknowledgedSinceNanos = nowNanos;
            if (next <= newest && state != State.CUT_OFF) {
                sendFrom(Math.min(newest + 1, end));
            }
        }
    }

    /** Sends from {@code sequence} on, after a gap notice for everything before it the peer may lack. */
    private void sendFrom(long sequence) {
        next = sequence;
        gapThrough = sequence - 1;
    }

    /**
     * The oldest frame this bridge must keep for this peer: the one after its acknowledged one, or, while it
     * is cut off, the next one to be counted.
     */
    long oldestNeeded() {
        return state == State.CUT_OFF ? next : Math.min(next, acknowledged + 1);
    }

    /** Counts the frame of origin sequence {@link #next} as not delivered to this peer, and moves on. */
    void skipUndelivered() {
        long sequence = next++;
        gapThrough = sequence;
        if (missedCount++ == 0) {
            missedFirst = sequence;
        }
        if (undelivered == 0) {
            firstUndelivered = sequence;
        }
        lastUndelivered = sequence;
        undelivered++;
    }

    /**
     * A cut-off peer is offered a frame again at most every {@link #RETRY_NANOS}, once it is connected: when
     * one is taken, the peer is back.
     */
    boolean mayRetry(long nowNanos) {
        if (nowNanos - lastRetryNanos < RETRY_NANOS || !publication.isConnected()) {
            return false;
        }
        lastRetryNanos = nowNanos;
        return true;
    }

    /**
     * True if frames have waited for this peer, untaken, for longer than the peer timeout, or it has taken
     * frames and acknowledged none of them for that long.
     */
    boolean waitedTooLong(long nowNanos) {
        return waitingSinceNanos >= 0 && nowNanos - waitingSinceNanos > timeoutNanos
                || acknowledged < next - 1 && nowNanos - acknowledgedSinceNanos > timeoutNanos;
    }

    /** Stops sending to this peer: the frames up to {@code end} (not included) it has not taken are counted. */
    void cutOff(long end) {
        String why = waitingSinceNanos < 0 ? "acknowledged none of the messages it took for"
                : publication.isConnected() ? "taken no message for" : "not been connected for";
        state = State.CUT_OFF;
        waitingSinceNanos = -1;
        log.accept("PEER CUT OFF: " + endpoint + " has " + why + " " + timeoutNanos / 1_000_000 + " ms (its queue"
                + " full, its bridge stopped, or, if messages flow but are never acknowledged, it listens under"
                + " another name than this bridge's peer list gives it); from"
                + " origin sequence " + next + " on, messages are NOT delivered to it until it takes messages again,"
                + " and each one is counted (jsyncq stat shows them)");
        missedCount = 0;
        while (next < end) {
            skipUndelivered();
        }
    }

    /** Logs a connection gained or lost since the last look. */
    void lookAtConnection() {
        boolean connected = publication.isConnected();
        if (connected == connectedLastLook) {
            return;
        }
        connectedLastLook = connected;
        if (!connected) {
            log.accept("lost the connection to peer " + endpoint + "; messages for it are kept (up to the backlog"
                    + " bound, then holding this host's writers back) for up to the peer timeout");
            return;
        }
        log.accept("connected to peer " + endpoint); // a cut-off peer is tried again by the next frame
    }

    PeerStatus status() {
        return new PeerStatus(endpoint, state.name().toLowerCase(Locale.ROOT), sent, acknowledged, undelivered,
                firstUndelivered, lastUndelivered);
    }

    @Override
    public void close() {
        publication.close();
    }
}
