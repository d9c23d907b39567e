package io.jsyncq.aeron;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.DirectBuffer;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * The way out to one peer bridge: an Aeron publication to the peer's endpoint, the origin sequence of the
 * next frame the peer needs, and what this bridge reports about it. Used by the outbound thread alone; the
 * counters are volatile for {@link Bridge#status()}.
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

    /** The origin sequence of the next frame this peer needs. */
    long next = 1;
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

    PeerLink(Endpoint endpoint, ExclusivePublication publication, long timeoutNanos, Consumer<String> log) {
        this.endpoint = endpoint;
        this.publication = publication;
        this.timeoutNanos = timeoutNanos;
        this.log = log;
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
        long result = publication.offer(frame, 0, length);
        if (result > 0) {
            next++;
            sent++;
            waitingSinceNanos = -1;
            if (state == State.CUT_OFF) {
                log.accept("peer " + endpoint + " takes messages again; " + missedCount + " messages (origin sequences "
                        + missedFirst + " to " + (missedFirst + missedCount - 1) + ") were NOT delivered to it");
                missedCount = 0;
            }
            state = State.CONNECTED;
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

    /** Counts the frame of origin sequence {@link #next} as not delivered to this peer, and moves on. */
    void skipUndelivered() {
        long sequence = next++;
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

    /** True if frames have waited for this peer, untaken, for longer than the peer timeout. */
    boolean waitedTooLong(long nowNanos) {
        return waitingSinceNanos >= 0 && nowNanos - waitingSinceNanos > timeoutNanos;
    }

    /** Stops sending to this peer: the frames up to {@code end} (not included) it has not taken are counted. */
    void cutOff(long end) {
        state = State.CUT_OFF;
        waitingSinceNanos = -1;
        log.accept("PEER CUT OFF: " + endpoint + " has taken no message for " + timeoutNanos / 1_000_000 + " ms ("
                + (publication.isConnected() ? "back-pressured: its queue is full" : "not connected") + "); from"
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
        return new PeerStatus(endpoint, state.name().toLowerCase(Locale.ROOT), sent, undelivered, firstUndelivered,
                lastUndelivered);
    }

    @Override
    public void close() {
        publication.close();
    }
}
