package io.jsyncq.aeron;

import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jsyncq.MessageTooLargeException;
import io.jsyncq.QueueClosedException;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The peers' messages into this host's queue: every frame from every peer's stream is appended to the
 * local queue under its original sender and type, by the bridge's own registration (so the bridge's reads
 * skip it and it never goes back out). Each peer's stream is in that origin's order, and one thread
 * appends, so each origin's messages keep their order here too.
 *
 * <p>A full local queue holds this thread, which stops taking frames; Aeron's flow control then holds the
 * peers' bridges, and so their writers: back-pressure from the slowest reader on any host reaches every
 * writer, as on one host.
 */
final class Inbound implements Runnable {

    private static final int FRAGMENT_LIMIT = 64;
    /** Each wait for room in the local queue; the thread looks at {@code stopping} between them. */
    private static final Duration ROOM_WAIT = Duration.ofMillis(200);
    /** How often a wait for room in the local queue is logged while it lasts. */
    private static final long FULL_LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** One origin's stream, by its Aeron session. */
    private static final class Origin {
        final String source;
        volatile boolean connected = true;
        volatile long appended;
        volatile long lastSequence;
        volatile long missing;
        volatile long notAppended;

        Origin(String source) {
            this.source = source;
        }

        OriginStatus status() {
            return new OriginStatus(source, connected, appended, lastSequence, missing, notAppended);
        }
    }

    private final SyncQueue queue;
    private Subscription subscription; // set before the thread starts
    private final IdleStrategy idle;
    private final BooleanSupplier stopping;
    private final Consumer<String> log;
    private final FragmentHandler assembler = new FragmentAssembler(this::onFrame);
    private final Map<Integer, Origin> origins = new ConcurrentHashMap<>();
    private String lastSender = "";
    private String lastType = "";

    Inbound(SyncQueue queue, IdleStrategy idle, BooleanSupplier stopping, Consumer<String> log) {
        this.queue = queue;
        this.idle = idle;
        this.stopping = stopping;
        this.log = log;
    }

    /** Exists before the subscription does, because Aeron reports the subscription's streams to it. */
    void subscribe(Subscription subscription) {
        this.subscription = subscription;
    }

    /** Aeron's callback (on its conductor thread) when a peer's stream starts. */
    void onImageAvailable(Image image) {
        origins.put(image.sessionId(), new Origin(image.sourceIdentity()));
        log.accept("receiving from " + image.sourceIdentity() + " (stream session " + image.sessionId() + ")");
    }

    /** Aeron's callback when a peer's stream ends (its bridge stopped, or it was silent too long). */
    void onImageUnavailable(Image image) {
        Origin origin = origins.get(image.sessionId());
        if (origin != null) {
            origin.connected = false;
        }
        log.accept("no longer receiving from " + image.sourceIdentity() + " (stream session " + image.sessionId()
                + ")" + (origin == null ? "" : ", after " + origin.appended + " messages"));
    }

    List<OriginStatus> status() {
        return origins.values().stream().map(Origin::status).toList();
    }

    @Override
    public void run() {
        try {
            while (!stopping.getAsBoolean()) {
                idle.idle(subscription.poll(assembler, FRAGMENT_LIMIT));
            }
        } catch (QueueClosedException closed) {
            if (!stopping.getAsBoolean()) {
                throw closed;
            }
        }
    }

    private void onFrame(DirectBuffer buffer, int offset, int length, Header header) {
        Origin origin = origins.computeIfAbsent(header.sessionId(), session -> new Origin("session " + session));
        if (!RelayFrame.isWellFormed(buffer, offset, length)) {
            if (origin.notAppended++ == 0) {
                log.accept("a damaged frame from " + origin.source + " (its lengths do not add up to its "
                        + length + " bytes) was NOT appended; is that peer a jsyncq bridge of the same version?");
            }
            return;
        }
        long sequence = RelayFrame.sequence(buffer, offset);
        long last = origin.lastSequence;
        if (last != 0 && sequence > last + 1) {
            origin.missing += sequence - last - 1;
            log.accept("from " + origin.source + ": origin sequences " + (last + 1) + " to " + (sequence - 1)
                    + " never arrived: that bridge cut this host off meanwhile (its log says why)");
        }
        origin.lastSequence = sequence;
        String sender = sender(buffer, offset);
        String type = type(buffer, offset);
        MemorySegment body = RelayFrame.body(buffer, offset, length);
        if (appendLocally(sender, type, body, origin)) {
            origin.appended++;
        } else {
            origin.notAppended++;
        }
    }

    /** Waits for room as long as it takes, unless the bridge stops: a full queue here is back-pressure. */
    private boolean appendLocally(String sender, String type, MemorySegment body, Origin origin) {
        long fullSince = 0;
        long lastLogged = 0;
        for (;;) {
            try {
                queue.appendAs(sender, type, body, ROOM_WAIT);
                if (fullSince != 0 && lastLogged != 0) {
                    log.accept("the local queue has room again; receiving from the peers again");
                }
                return true;
            } catch (QueueFullException full) {
                long now = System.nanoTime();
                if (fullSince == 0) {
                    fullSince = now;
                } else if (now - (lastLogged == 0 ? fullSince : lastLogged) >= FULL_LOG_INTERVAL_NANOS) {
                    lastLogged = now;
                    log.accept("the local queue has been full for " + (now - fullSince) / 1_000_000_000
                            + " s, holding the peers back: " + full.getMessage());
                }
                if (stopping.getAsBoolean()) {
                    return false;
                }
            } catch (MessageTooLargeException tooLarge) {
                log.accept("a message from " + sender + " via " + origin.source + " was NOT appended: "
                        + tooLarge.getMessage());
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
