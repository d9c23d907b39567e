package io.jsyncq.aeron;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jsyncq.MessageTooLargeException;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The peers' messages into this host's queue: every frame from every peer's stream is appended to the
 * local queue under its original sender and type, by the bridge's own registration (so the bridge's reads
 * skip it and it never goes back out). Each peer's stream is in that origin's order, and the bridge's one
 * thread appends, so each origin's messages keep their order here too.
 *
 * <p>Each frame is appended once, whatever restarts: the {@link Inbox} keeps, per origin, the newest
 * sequence appended, and only the frame after it (or a gap notice's sequence) is taken; anything else is
 * dropped, because the origin has it and sends it again. Each append runs between an intent noted in the
 * inbox and its result, and while it runs, {@link #acknowledgeLimit()} stops the bridge's reader from
 * handing back the space the append's record takes, so that a restarted bridge can tell whether it went in.
 * Every few milliseconds (at once when something was appended) it tells every peer what it has appended
 * from each origin, on the acknowledgement stream.
 *
 * <p>A full local queue holds this work, which stops taking frames; Aeron's flow control then holds the
 * peers' bridges, and so their writers: back-pressure from the slowest reader on any host reaches every
 * writer, as on one host. Meanwhile the bridge's other work goes on between attempts
 * ({@link #whileWaitingForRoom}): its outbound work is what hands back the room that the bridge's own
 * appends hold, and the media driver it runs is what moves the frames.
 */
final class Inbound {

    private static final int FRAGMENT_LIMIT = 64;
    /** How often a wait for room in the local queue is logged while it lasts. */
    private static final long FULL_LOG_INTERVAL_NANOS = 10_000_000_000L;
    /** Acknowledgements: no more often than this while frames are appended, and at least this often idle. */
    private static final long ACKNOWLEDGE_EVERY_NANOS = 1_000_000L;
    private static final long HEARTBEAT_NANOS = 100_000_000L;

    /** What this bridge has received from one origin. */
    private static final class Origin {
        volatile String source;
        volatile int session;
        volatile boolean connected = true;
        volatile long appended;
        volatile long newest;
        volatile long missing;
        volatile long duplicates;
        volatile long notAppended;
        long outOfOrderLoggedAt = -1;

        Origin(String source, int session) {
            this.source = source;
            this.session = session;
        }
    }

    private final SyncQueue queue;
    private final Inbox inbox;
    private Subscription subscription; // set before the bridge's thread starts
    private final List<ExclusivePublication> acknowledgements;
    private final byte[] listenEndpoint;
    private final long run;
    private final BooleanSupplier stopping;
    private final Consumer<String> log;
    private final FragmentHandler assembler = new FragmentAssembler(this::onFrame);
    private final Map<Long, Origin> origins = new ConcurrentHashMap<>();
    private final Map<Integer, String> sources = new ConcurrentHashMap<>();
    private final UnsafeBuffer acknowledgement = new UnsafeBuffer(new byte[AckFrame.maxLength()]);
    /** Between attempts to append to a full queue: spin, yield, then sleep up to 1 ms. */
    private final IdleStrategy roomIdle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    /** Read by the outbound work, on the same thread (see {@link BridgeAgent}): a plain field is enough. */
    private long acknowledgeLimit = Long.MAX_VALUE;
    private long lastOriginId;
    private Origin lastOrigin;
    private String lastSender = "";
    private String lastType = "";
    private boolean appendedSinceAcknowledgement;
    private long acknowledgedAtNanos;
    private IntSupplier otherWork = () -> 0;

    Inbound(SyncQueue queue, Inbox inbox, List<ExclusivePublication> acknowledgements, Endpoint listen,
            BooleanSupplier stopping, Consumer<String> log) {
        this.queue = queue;
        this.inbox = inbox;
        this.acknowledgements = acknowledgements;
        this.listenEndpoint = listen.toString().getBytes(StandardCharsets.US_ASCII);
        this.run = ThreadLocalRandom.current().nextLong() | 1; // never 0, which means "none yet" to a peer
        this.stopping = stopping;
        this.log = log;
    }

    /** Exists before the subscription does, because Aeron reports the subscription's streams to it. */
    void subscribe(Subscription subscription) {
        this.subscription = subscription;
    }

    /**
     * The position the bridge's own acknowledgement of the local queue must not pass now: the position of
     * the append before the one in progress, or {@link Long#MAX_VALUE} while none is.
     */
    long acknowledgeLimit() {
        return acknowledgeLimit;
    }

    /**
     * The bridge's other work, done between attempts to append to a full local queue; returns how much it did.
     */
    void whileWaitingForRoom(IntSupplier work) {
        this.otherWork = work;
    }

    /** Aeron's callback (on its conductor thread) when a peer's stream starts. */
    void onImageAvailable(Image image) {
        sources.put(image.sessionId(), image.sourceIdentity());
        log.accept("receiving from " + image.sourceIdentity() + " (stream session " + image.sessionId() + ")");
    }

    /** Aeron's callback when a peer's stream ends (its bridge stopped, or it was silent too long). */
    void onImageUnavailable(Image image) {
        long appended = 0;
        for (Origin origin : origins.values()) {
            if (origin.session == image.sessionId()) {
                origin.connected = false;
                appended += origin.appended;
            }
        }
        log.accept("no longer receiving from " + image.sourceIdentity() + " (stream session " + image.sessionId()
                + "), after " + appended + " messages appended from it");
    }

    List<OriginStatus> status() {
        return origins.entrySet().stream().map(entry -> {
            Origin origin = entry.getValue();
            return new OriginStatus(Long.toHexString(entry.getKey()), origin.source, origin.connected, origin.appended,
                    origin.newest, origin.missing, origin.duplicates, origin.notAppended);
        }).toList();
    }

    /** One duty cycle: the peers' frames appended, acknowledgements sent if due; how many fragments came. */
    int doWork() {
        int fragments = subscription.poll(assembler, FRAGMENT_LIMIT);
        acknowledgeIfDue(System.nanoTime());
        return fragments;
    }

    private void acknowledgeIfDue(long now) {
        long since = now - acknowledgedAtNanos;
        if (since < HEARTBEAT_NANOS && !(appendedSinceAcknowledgement && since >= ACKNOWLEDGE_EVERY_NANOS)) {
            return;
        }
        int length = AckFrame.encode(acknowledgement, run, listenEndpoint, inbox);
        for (ExclusivePublication publication : acknowledgements) {
            publication.offer(acknowledgement, 0, length); // one refused is sent again, newer, soon
        }
        appendedSinceAcknowledgement = false;
        acknowledgedAtNanos = now;
    }

    private void onFrame(DirectBuffer buffer, int offset, int length, Header header) {
        if (!RelayFrame.isWellFormed(buffer, offset, length)) {
            Origin origin = originOf(0, header.sessionId());
            if (origin.notAppended++ == 0) {
                log.accept("a damaged frame from " + origin.source + " (its lengths do not add up to its "
                        + length + " bytes) was NOT appended; is that peer a jsyncq bridge of the same version?");
            }
            return;
        }
        long originId = RelayFrame.origin(buffer, offset);
        Origin origin = originOf(originId, header.sessionId());
        long sequence = RelayFrame.sequence(buffer, offset);
        long newest = inbox.newestSequence(originId);
        if (RelayFrame.isGapNotice(buffer, offset)) {
            if (sequence > newest) {
                if (newest > 0) {
                    origin.missing += sequence - newest;
                    log.accept("from " + origin.source + ": origin sequences " + (newest + 1) + " to " + sequence
                            + " will not arrive: that bridge cut this host off meanwhile (its log says why)");
                }
                inbox.skipTo(originId, sequence);
                origin.newest = sequence;
            }
            return;
        }
        if (sequence != newest + 1) {
            origin.duplicates++;
            if (sequence > newest + 1 && origin.outOfOrderLoggedAt != newest) {
                origin.outOfOrderLoggedAt = newest;
                log.accept("from " + origin.source + ": origin sequence " + sequence + " came before " + (newest + 1)
                        + "; dropped, to be sent again");
            }
            return;
        }
        String sender = sender(buffer, offset);
        String type = type(buffer, offset);
        MemorySegment body = RelayFrame.body(buffer, offset, length);
        if (appendLocally(sender, type, body, origin, originId, sequence)) {
            origin.appended++;
            origin.newest = sequence;
            appendedSinceAcknowledgement = true;
        }
    }

    private Origin originOf(long originId, int session) {
        if (lastOrigin != null && originId == lastOriginId && lastOrigin.session == session) {
            return lastOrigin;
        }
        String source = sources.getOrDefault(session, "session " + session);
        Origin origin = origins.computeIfAbsent(originId, id -> new Origin(source, session));
        if (origin.session != session) {
            origin.session = session;
            origin.source = source;
            origin.connected = true;
        }
        lastOriginId = originId;
        lastOrigin = origin;
        return origin;
    }

    /** Waits for room as long as it takes, unless the bridge stops: a full queue here is back-pressure. */
    /**
     * Appends between an intent noted in the inbox and its result, waiting for room as long as it takes,
     * unless the bridge stops: a full queue here is back-pressure.
     *
     * <p>Each attempt takes room only if there is some now, with the acknowledgement limit set for just that
     * attempt; the waits between attempts lift it. Waiting inside the append instead would hold the limit
     * for the whole wait, and the room awaited may be exactly what the bridge's own reader cannot hand back
     * past the limit.
     */
    private boolean appendLocally(String sender, String type, MemorySegment body, Origin origin, long originId,
                                  long sequence) {
        long fullSince = 0;
        long lastLogged = 0;
        inbox.beginAppend(originId, sequence);
        roomIdle.reset();
        for (;;) {
            acknowledgeLimit = inbox.newestAppendPosition(); // before the claim: see acknowledgeLimit()
            try {
                long position = queue.appendAs(sender, type, body, Duration.ZERO);
                inbox.endAppend(originId, sequence, position); // then, and only then, the limit goes
                acknowledgeLimit = Long.MAX_VALUE;
                if (lastLogged != 0) {
                    log.accept("the local queue has room again; receiving from the peers again");
                }
                return true;
            } catch (QueueFullException full) {
                acknowledgeLimit = Long.MAX_VALUE;
                long now = System.nanoTime();
                if (fullSince == 0) {
                    fullSince = now;
                } else if (now - (lastLogged == 0 ? fullSince : lastLogged) >= FULL_LOG_INTERVAL_NANOS) {
                    lastLogged = now;
                    log.accept("the local queue has been full for " + (now - fullSince) / 1_000_000_000
                            + " s, holding the peers back: " + full.getMessage());
                }
                if (stopping.getAsBoolean()) {
                    inbox.abandonAppend(); // not appended: it comes again after the restart
                    return false;
                }
                acknowledgeIfDue(now);
                roomIdle.idle(otherWork.getAsInt());
            } catch (MessageTooLargeException tooLarge) {
                acknowledgeLimit = Long.MAX_VALUE;
                log.accept("a message from " + sender + " via " + origin.source + " was NOT appended: "
                        + tooLarge.getMessage());
                inbox.endAppend(originId, sequence, inbox.newestAppendPosition()); // it never will be
                origin.notAppended++;
                return false;
            }
        }
    }

    /** Senders and types repeat: decode a name again only when its bytes differ from the last one's. */
    private String sender(DirectBuffer buffer, int offset) {
        int length = RelayFrame.senderLength(buffer, offset);
        if (!sameBytes(lastSender, buffer, offset + RelayFrame.HEADER_LENGTH, length)) {
            lastSender = RelayFrame.sender(buffer, offset);
        }
        return lastSender;
    }

    private String type(DirectBuffer buffer, int offset) {
        int at = offset + RelayFrame.HEADER_LENGTH + RelayFrame.senderLength(buffer, offset);
        int length = RelayFrame.typeLength(buffer, offset);
        if (!sameBytes(lastType, buffer, at, length)) {
            lastType = RelayFrame.type(buffer, offset);
        }
        return lastType;
    }

    /** True if {@code text} is ASCII and equals the bytes; anything else is decoded afresh. */
    private static boolean sameBytes(String text, DirectBuffer buffer, int at, int length) {
        if (text.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80 || buffer.getByte(at + i) != (byte) c) {
                return false;
            }
        }
        return true;
    }
}
