package io.jsyncq;

import io.jsyncq.internal.Platform;
import io.jsyncq.internal.QueueGeometry;
import io.jsyncq.internal.QueueLayout;
import io.jsyncq.internal.ReaderSlotLayout;
import io.jsyncq.internal.Registration;
import io.jsyncq.internal.RegistrationSettings;
import io.jsyncq.internal.Waiter;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One registration on a broadcast queue in named shared memory: the handle a process writes and reads
 * with.
 *
 * <p>Every registration is a writer and a reader. It reads every message appended after it registered, in
 * the one order every reader sees, except the ones its screens reject; and a message's space is reused only
 * once every registration that was registered when it was appended has read it, screened it or closed.
 * So a registration that never pops holds back every writer, including itself: that is the
 * synchronisation the queue is named for.
 *
 * <pre>{@code
 * try (SyncQueue queue = SyncQueue.builder("prices").size(1 << 20).sender("feed").openOrCreate()) {
 *     queue.append("tick", "EURUSD 1.0842");
 *     queue.pop(Duration.ofMillis(500)).ifPresent(m -> System.out.println(m.sender() + ": " + m.text()));
 * }
 * }</pre>
 *
 * <h2>Waiting</h2>
 * Each {@code append} and {@code pop} comes in two forms: without a timeout it never waits (an append then
 * fails with {@link QueueFullException}; a pop returns nothing), and with a {@link Duration} it waits up to
 * that long in total. {@link #FOREVER} waits without limit. A wait spins briefly and then sleeps on a futex
 * in the shared memory, so a message or free space from any process wakes it at once. An interrupt ends a
 * wait within about 10 ms with {@link QueueInterruptedException}.
 *
 * <h2>Threads</h2>
 * Appends are safe from any number of threads at once. Pops and draining must come from one thread at a
 * time: the read position is the handle's own. Screens may be edited, and the handle closed, from any
 * thread: a close ends the waits of other threads with {@link QueueClosedException}.
 *
 * <h2>Crashes</h2>
 * A process that dies without closing (killed, crashed, halted) stops holding space as soon as a writer
 * needs it: its registration is reclaimed. A writer that dies in the middle of an append leaves a hole
 * that readers skip at once. Death is what the kernel proves (a lock on the queue file that it drops when
 * the process dies), so a process that is alive but stopped ({@code SIGSTOP}, a paused container, a long
 * garbage-collection pause) is never taken for dead: like any slow reader it holds writers back until it
 * resumes, or until an operator evicts it ({@link QueueAdmin#evict}), which it is told on its next call
 * with {@link RegistrationLostException}. Nothing published is lost, and no crash wedges the queue.
 *
 * <h2>Native access</h2>
 * jsyncq maps memory and calls futex through {@code java.lang.foreign}; run with
 * {@code --enable-native-access=io.jsyncq} (module path) or {@code --enable-native-access=ALL-UNNAMED}
 * (class path). Without it, opening a queue fails with an exception that says so.
 */
public final class SyncQueue implements AutoCloseable, Iterable<Message> {

    /** Wait without a time limit. */
    public static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

    /** Where queue files live unless {@link Builder#directory(Path)} or {@code JSYNCQ_DIR} says otherwise. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

    private static final Duration DEFAULT_SPIN = Duration.ofNanos(20_000);

    private final Registration registration;

    private SyncQueue(Registration registration) {
        this.registration = registration;
    }

    /**
     * Creates the queue {@code name} of {@code size} bytes in the default directory
     * ({@link #defaultDirectory()}) and registers on it, with the defaults of {@link Builder}.
     *
     * @param name the queue name: 1 to 200 characters of {@code [A-Za-z0-9._-]}, not starting with a dot
     * @param size the ring size in bytes: a power of two from one page (4 KiB on most machines) to 1 GiB
     * @return the registration, to close when done
     * @throws QueueExistsException if there is already a queue of that name
     * @throws InvalidSizeException if {@code size} is out of range
     * @throws InvalidNameException if the name is not allowed
     */
    public static SyncQueue create(String name, long size) {
        return builder(name).size(size).create();
    }

    /**
     * Attaches to the existing queue {@code name} in the default directory ({@link #defaultDirectory()}) and
     * registers on it, with the defaults of {@link Builder}.
     *
     * @param name the queue name: 1 to 200 characters of {@code [A-Za-z0-9._-]}, not starting with a dot
     * @return the registration, to close when done
     * @throws NoSuchQueueException if there is no queue of that name
     * @throws InvalidNameException if the name is not allowed
     */
    public static SyncQueue open(String name) {
        return builder(name).open();
    }

    /**
     * Starts describing a registration on the queue {@code name}. Nothing is checked or opened until
     * {@link Builder#create()}, {@link Builder#open()} or {@link Builder#openOrCreate()}.
     *
     * @param name the queue name: 1 to 200 characters of {@code [A-Za-z0-9._-]}, not starting with a dot
     * @return a builder with every option at its default
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The directory that queues live in by default: {@code $JSYNCQ_DIR}, else {@code /dev/shm}.
     *
     * @return the directory named by the environment variable {@code JSYNCQ_DIR} if it is set and not blank,
     *         else {@link #DEFAULT_DIRECTORY}
     */
    public static Path defaultDirectory() {
        String fromEnvironment = System.getenv("JSYNCQ_DIR");
        return fromEnvironment == null || fromEnvironment.isBlank() ? DEFAULT_DIRECTORY : Path.of(fromEnvironment);
    }

    /**
     * The name of the queue this handle is registered on.
     *
     * @return the queue name
     */
    public String name() {
        return registration.queueName();
    }

    /**
     * The name this registration's messages carry as their sender.
     *
     * @return the sender name given to {@link Builder#sender}, by default the process id
     */
    public String sender() {
        return registration.sender();
    }

    /**
     * The size of the ring in bytes.
     *
     * @return the ring size; the largest body is smaller, by a record header and the sender and type names
     */
    public long capacity() {
        return registration.capacity();
    }

    /**
     * Senders whose messages this registration skips (pysyncq's {@code scrnsend}); edit it at any time.
     *
     * @return the live, thread-safe set of sender names; an edit applies to the messages read after it
     */
    public Set<String> senderScreen() {
        return registration.senderScreen();
    }

    /**
     * Types whose messages this registration skips (pysyncq's {@code scrntype}); edit it at any time.
     *
     * @return the live, thread-safe set of message types; an edit applies to the messages read after it
     */
    public Set<String> typeScreen() {
        return registration.typeScreen();
    }

    // ---------------------------------------------------------------------------------------------- append

    /**
     * Appends a message with a UTF-8 body, or fails at once with {@link QueueFullException}.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body, sent as its UTF-8 bytes
     * @throws QueueFullException       if there is no room now
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public void append(String type, String body) {
        append(type, body, Duration.ZERO);
    }

    /**
     * Appends a message with a UTF-8 body, waiting up to {@code timeout} for room.
     *
     * @param type    the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body    the body, sent as its UTF-8 bytes
     * @param timeout how long to wait for room, in total, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @throws QueueFullException        if there was no room within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     * @throws MessageTooLargeException  if the message can never fit in this queue
     */
    public void append(String type, String body, Duration timeout) {
        append(type, Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8), timeout);
    }

    /**
     * Appends a message with the array as its body, or fails at once with {@link QueueFullException}.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body; its bytes are copied into the queue
     * @throws QueueFullException       if there is no room now
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public void append(String type, byte[] body) {
        append(type, body, Duration.ZERO);
    }

    /**
     * Appends a message with the array as its body, waiting up to {@code timeout} for room.
     *
     * @param type    the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body    the body; its bytes are copied into the queue
     * @param timeout how long to wait for room, in total, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @throws QueueFullException        if there was no room within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     * @throws MessageTooLargeException  if the message can never fit in this queue
     */
    public void append(String type, byte[] body, Duration timeout) {
        registration.append(type, MemorySegment.ofArray(Objects.requireNonNull(body, "body")), deadline(timeout));
    }

    /**
     * Appends the buffer's remaining bytes, copying them straight into the queue; its position is
     * unchanged. Fails at once with {@link QueueFullException} if there is no room.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body: the bytes from its position to its limit
     * @throws QueueFullException       if there is no room now
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public void append(String type, ByteBuffer body) {
        append(type, body, Duration.ZERO);
    }

    /**
     * Appends the buffer's remaining bytes, waiting up to {@code timeout} for room; its position is
     * unchanged.
     *
     * @param type    the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body    the body: the bytes from its position to its limit
     * @param timeout how long to wait for room, in total, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @throws QueueFullException        if there was no room within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     * @throws MessageTooLargeException  if the message can never fit in this queue
     */
    public void append(String type, ByteBuffer body, Duration timeout) {
        registration.append(type, MemorySegment.ofBuffer(Objects.requireNonNull(body, "body")), deadline(timeout));
    }

    /**
     * Appends the segment's bytes, copying them straight into the queue, or fails at once with
     * {@link QueueFullException}.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body: all of the segment's bytes; it must be open, and accessible from this thread
     * @throws QueueFullException       if there is no room now
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public void append(String type, MemorySegment body) {
        append(type, body, Duration.ZERO);
    }

    /**
     * Appends the segment's bytes, copying them straight into the queue, waiting up to {@code timeout}
     * for room.
     *
     * @param type    the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body    the body: all of the segment's bytes; it must be open, and accessible from this thread
     * @param timeout how long to wait for room, in total, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @throws QueueFullException        if there was no room within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     * @throws MessageTooLargeException  if the message can never fit in this queue
     */
    public void append(String type, MemorySegment body, Duration timeout) {
        registration.append(type, Objects.requireNonNull(body, "body"), deadline(timeout));
    }

    /**
     * Appends a message under another sender's name, for relays and bridges that carry messages from
     * elsewhere into this queue and keep their senders, so that readers' sender screens work the same on
     * relayed messages. The message is still this registration's own: if this registration filters itself
     * (the default), its own reads skip it, so a relay that reads this queue never sends back what it
     * relayed into it.
     *
     * @param sender  the sender name to record, up to 255 UTF-8 bytes
     * @param type    the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body    the body: all of the segment's bytes; it must be open, and accessible from this thread
     * @param timeout how long to wait for room, in total, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @throws QueueFullException        if there was no room within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     * @throws MessageTooLargeException  if the message can never fit in this queue
     * @return the message's position in the queue (see {@link #lastAppendBeforeResume()})
     * @throws InvalidNameException      if the sender name is longer than 255 UTF-8 bytes
     */
    public long appendAs(String sender, String type, MemorySegment body, Duration timeout) {
        return registration.appendAs(sender, type, Objects.requireNonNull(body, "body"),
                deadline(timeout));
    }

    /**
     * Appends the segment's bytes if there is room now, for producers that spin: returns false, without
     * building an exception, when the queue is full. Every other failure (a message that can never fit, a
     * closed or evicted registration) still throws.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body: all of the segment's bytes; it must be open, and accessible from this thread
     * @return true if the message was appended, false if there was no room
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public boolean tryAppend(String type, MemorySegment body) {
        return registration.tryAppend(type, Objects.requireNonNull(body, "body"));
    }

    /**
     * {@link #tryAppend(String, MemorySegment)} for the buffer's remaining bytes; its position is unchanged.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body: the bytes from its position to its limit
     * @return true if the message was appended, false if there was no room
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public boolean tryAppend(String type, ByteBuffer body) {
        return registration.tryAppend(type, MemorySegment.ofBuffer(Objects.requireNonNull(body, "body")));
    }

    /**
     * {@link #tryAppend(String, MemorySegment)} for a byte array.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body; its bytes are copied into the queue
     * @return true if the message was appended, false if there was no room
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public boolean tryAppend(String type, byte[] body) {
        return registration.tryAppend(type, MemorySegment.ofArray(Objects.requireNonNull(body, "body")));
    }

    /**
     * {@link #tryAppend(String, MemorySegment)} for a UTF-8 body.
     *
     * @param type the message type, up to 255 UTF-8 bytes ({@code ""} for none); readers can screen by it
     * @param body the body, sent as its UTF-8 bytes
     * @return true if the message was appended, false if there was no room
     * @throws MessageTooLargeException if the message can never fit in this queue
     */
    public boolean tryAppend(String type, String body) {
        return tryAppend(type, Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------------------- pop

    /**
     * The next unread, unscreened message, or empty if there is none now.
     *
     * @return the message, copied out of the queue, or empty
     */
    public Optional<Message> pop() {
        return pop(Duration.ZERO);
    }

    /**
     * The next unread, unscreened message, waiting up to {@code timeout} in total for one.
     *
     * @param timeout how long to wait for a message, in total, not negative: {@link Duration#ZERO} does
     *                not wait, {@link #FOREVER} waits without limit
     * @return the message, copied out of the queue, or empty if none came within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     */
    public Optional<Message> pop(Duration timeout) {
        MessageCopier copier = new MessageCopier();
        return registration.poll(copier, deadline(timeout)) ? Optional.of(copier.message) : Optional.empty();
    }

    /**
     * Reads the next unread, unscreened message in place, without copying or allocating, if there is one now.
     *
     * @param handler called on this thread with the message; the view is valid only until it returns
     * @return true if {@code handler} was called
     */
    public boolean pop(MessageHandler handler) {
        return pop(handler, Duration.ZERO);
    }

    /**
     * Reads the next message in place, waiting up to {@code timeout} in total for one.
     *
     * @param handler called on this thread with the message; the view is valid only until it returns
     * @param timeout how long to wait for a message, in total, not negative: {@link Duration#ZERO} does
     *                not wait, {@link #FOREVER} waits without limit
     * @return true if {@code handler} was called, false if no message came within {@code timeout}
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     */
    public boolean pop(MessageHandler handler, Duration timeout) {
        return registration.poll(Objects.requireNonNull(handler, "handler"), deadline(timeout));
    }

    /**
     * Reads up to {@code limit} messages in place, those there are now, in one batch: the read position is
     * handed back to writers once for the batch, not once per message.
     *
     * @param handler called on this thread with each message read; the view is valid only until it returns
     * @param limit   the most messages to read, at least 1
     * @return how many messages {@code handler} was called for
     * @throws IllegalArgumentException if {@code limit} is less than 1
     */
    public int poll(MessageHandler handler, int limit) {
        return poll(handler, limit, Duration.ZERO);
    }

    /**
     * Reads up to {@code limit} messages in place in one batch, waiting up to {@code timeout} for the first;
     * the rest are those there are then. If the handler throws, its message stays unread and those before it
     * are read.
     *
     * @param handler called on this thread with each message read; the view is valid only until it returns
     * @param limit   the most messages to read, at least 1
     * @param timeout how long to wait for the first message, not negative: {@link Duration#ZERO} does not
     *                wait, {@link #FOREVER} waits without limit
     * @return how many messages {@code handler} was called for; 0 if none came within {@code timeout}
     * @throws IllegalArgumentException  if {@code limit} is less than 1
     * @throws QueueInterruptedException if the thread is interrupted while it waits
     */
    public int poll(MessageHandler handler, int limit, Duration timeout) {
        if (limit < 1) {
            throw new IllegalArgumentException("a batch limit must be at least 1: " + limit);
        }
        return registration.poll(Objects.requireNonNull(handler, "handler"), limit, deadline(timeout));
    }

    /** Pops until there is nothing to read, without waiting: {@code for (Message m : queue)}. */
    @Override
    public Iterator<Message> iterator() {
        return drain(Duration.ZERO).iterator();
    }

    /**
     * Pops until a pop that waits up to {@code timeout} finds nothing.
     *
     * @param timeout how long each pop waits for a message, not negative
     * @return the messages, each popped as an iteration reaches it; iterate from one thread at a time
     */
    public Iterable<Message> drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return () -> new Iterator<>() {
            private Message next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = pop(timeout).orElse(null);
                }
                return next != null;
            }

            @Override
            public Message next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the queue has nothing more to read");
                }
                Message message = next;
                next = null;
                return message;
            }
        };
    }

    /**
     * The messages there are to read now, as a sequential stream.
     *
     * @return the messages, each popped as the stream reaches it, up to the first pop that finds none
     */
    public Stream<Message> stream() {
        return stream(Duration.ZERO);
    }

    /**
     * A sequential stream that ends when a pop that waits up to {@code timeout} finds nothing.
     *
     * @param timeout how long each pop waits for a message, not negative
     * @return the messages, each popped as the stream reaches it
     */
    public Stream<Message> stream(Duration timeout) {
        Spliterator<Message> spliterator = Spliterators.spliteratorUnknownSize(drain(timeout).iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(spliterator, false);
    }

    // ------------------------------------------------------------------------------------ acknowledging

    /**
     * Hands back the space of every message before {@code position}, for a registration that
     * {@linkplain Builder#acknowledgeManually() acknowledges by hand}; a durable one resumes from here. From
     * the thread that pops.
     *
     * @param position a message's {@link MessageView#endPosition()}, or {@link #readPosition()}: at or after
     *                 the position acknowledged last, at or before the read position
     * @throws IllegalArgumentException if {@code position} is not one of those
     */
    public void acknowledge(long position) {
        registration.acknowledge(position);
    }

    /**
     * Where the next read starts: every message before it was read or screened by this registration.
     * Acknowledging it hands back everything read so far, screened messages included.
     *
     * @return a byte position in the queue
     */
    public long readPosition() {
        return registration.readPosition();
    }

    /**
     * Gates the queue's delivery: from now on, every other registration delivers only the messages this one
     * appends, and passes over, unread, what any other appends. This registration still reads what the
     * others append, and is expected to carry it somewhere that puts it in order with other sources' messages,
     * and to append it back. A bridge in sequencer mode does this on every host but the sequencer's, so that a
     * host's readers see its own messages only in the one order all hosts share.
     *
     * <p>The gate applies from this registration's read position when it takes the gate: what lies before it,
     * which this registration never reads, the others deliver as usual. It lasts as long as this
     * registration: a durable registration keeps it while parked, for the process that resumes it. When the
     * registration ends for good (closed, evicted and gone, or reclaimed), what it had read stays passed over
     * (it went out to be ordered, and may come back), and what lies after is delivered as usual again. Taking
     * the gate takes the queue name's lock for a moment.
     *
     * @throws IllegalStateException     if this registration is write-only, or another registration holds the gate
     * @throws RegistrationLostException if this registration was evicted, or its queue removed
     */
    public void gateDelivery() {
        registration.gateDelivery();
    }

    /**
     * Whether this registration resumed a parked durable registration of its name ({@link Builder#durable()})
     * rather than starting at the tail.
     *
     * @return true if it reads on from where its previous process left off
     */
    public boolean isResumed() {
        return registration.isResumed();
    }

    /**
     * For a resumed registration: the position of the last message its previous process began to append,
     * if that message was published (delivered to readers) before the process ended; empty if it was not,
     * or no append was begun, or this registration was not resumed. A relay that appends one message at a
     * time with {@link #appendAs}, and notes the position of each, learns from this exactly whether the
     * message it was appending when it died went in: it did if this position is after the last one it
     * noted. The answer holds while that message's space has not been handed back, which a registration
     * that acknowledges by hand ensures by never acknowledging past the last position it noted while an
     * append is in progress.
     *
     * @return the position of that message, or empty
     */
    public OptionalLong lastAppendBeforeResume() {
        long position = registration.lastAppendBeforeResume();
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    /**
     * Whether this handle has been closed. A registration that was evicted, or whose queue was removed, is
     * not closed: it learns so from its next call, with {@link RegistrationLostException}.
     *
     * @return true once {@link #close()} has been called, from any thread
     */
    public boolean isClosed() {
        return registration.isClosed();
    }

    /**
     * Unregisters: this registration's unread messages stop holding space. The last registration to close
     * removes the queue file, unless the queue was created with {@link Builder#keep(boolean)}; registrations
     * of processes that died are cleared first, so they never keep a file alive. Leaving takes the queue
     * name's lock, which creating, joining and removing the queue take too: if a process stopped while
     * holding it, closing waits up to 10 s for it, then leaves without removing the file.
     */
    @Override
    public void close() {
        registration.close();
    }

    @Override
    public String toString() {
        return "SyncQueue[" + name() + ", sender=" + sender() + (isClosed() ? ", closed]" : "]");
    }

    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout cannot be negative: " + timeout);
        }
        return Waiter.deadlineAfter(saturatedNanos(timeout));
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static final class MessageCopier implements MessageHandler {
        Message message;

        @Override
        public void onMessage(MessageView view) {
            message = view.toMessage();
        }
    }

    /**
     * Options for creating or attaching to a queue, and for the registration made on it. Creation options
     * ({@link #size}, {@link #maxReaders}, {@link #keep}, {@link #groupAccess}) are ignored when attaching.
     */
    public static final class Builder {
        private final String name;
        private Long size; // null: one page
        private int maxReaders = QueueLayout.DEFAULT_MAX_READERS;
        private boolean keep;
        private boolean groupAccess;
        private Path directory = defaultDirectory();
        private String sender = Long.toString(ProcessHandle.current().pid());
        private boolean filterSelf = true;
        private Duration spin = DEFAULT_SPIN;
        private boolean writeOnly;
        private boolean durable;
        private boolean manualAcknowledge;
        private boolean senderGiven;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Ring size in bytes: a power of two from one page (4 KiB on most machines) to 1 GiB. Default: one
         * page, as in pysyncq. Checked when the queue is created.
         *
         * @param bytes the ring size in bytes
         * @return this builder
         */
        public Builder size(long bytes) {
            this.size = bytes;
            return this;
        }

        /**
         * How many registrations may be open at once. Default 64. Checked when the queue is created.
         *
         * @param count the most registrations, from 1 to 4096; each takes a slot in the queue file
         * @return this builder
         */
        public Builder maxReaders(int count) {
            this.maxReaders = count;
            return this;
        }

        /**
         * Keep the queue file when its last registration closes. Default false: the last close removes it.
         *
         * @param keep true to keep the file until it is removed ({@link QueueAdmin#remove})
         * @return this builder
         */
        public Builder keep(boolean keep) {
            this.keep = keep;
            return this;
        }

        /**
         * Create the file readable and writable by its group too (0660), not by its owner only (0600).
         *
         * @param groupAccess true for mode 0660, false for 0600 (the default)
         * @return this builder
         */
        public Builder groupAccess(boolean groupAccess) {
            this.groupAccess = groupAccess;
            return this;
        }

        /**
         * The directory of the queue file. Default {@code $JSYNCQ_DIR}, else {@code /dev/shm}.
         *
         * @param directory an existing directory; the queue file in it is named after the queue
         * @return this builder
         */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The sender name of this registration's messages. Default: the process id.
         *
         * @param sender any text up to 255 UTF-8 bytes (checked when the registration is made); readers can
         *               screen by it
         * @return this builder
         */
        public Builder sender(String sender) {
            this.sender = Objects.requireNonNull(sender, "sender");
            this.senderGiven = true;
            return this;
        }

        /**
         * Put the sender name in the sender screen, so as not to read one's own messages. Default true.
         *
         * @param filterSelf true to skip every message that carries this sender name, including those of
         *                   other registrations with the same name, and every message this registration
         *                   appended under another name ({@link SyncQueue#appendAs}), in this process or,
         *                   for a resumed {@link #durable()} registration, in an earlier one
         * @return this builder
         */
        public Builder filterSelf(boolean filterSelf) {
            this.filterSelf = filterSelf;
            return this;
        }

        /**
         * Register as a writer only: this registration appends but never pops, so no read position of its
         * holds space, and a producer never has to drain messages it does not want (with pysyncq's
         * semantics, every registration is also a reader, and one that never pops fills the queue). Its pops
         * throw {@link UnsupportedOperationException}. Default false.
         *
         * @return this builder
         */
        public Builder writeOnly() {
            this.writeOnly = true;
            return this;
        }

        /**
         * Make this registration outlive its process: when the process dies (or closes it), its slot is
         * <em>parked</em>, not freed, and its read position goes on holding the space of every message it
         * has not read, as if it were still there; the next process that registers durably under the same
         * sender name resumes it, and reads on from that position, so nothing appended meanwhile is missed.
         * One process at a time holds a durable name ({@link QueueInUseException} otherwise). A parked
         * registration holds writers back as a stopped reader does, and keeps the queue file when every other
         * registration has closed; {@link QueueAdmin#evict} (or {@code jsyncq evict}) gives it up. With
         * {@link #acknowledgeManually()}, what it resumes from is what it acknowledged. Needs a
         * {@link #sender(String)} of its own. Default false.
         *
         * @return this builder
         */
        public Builder durable() {
            this.durable = true;
            return this;
        }

        /**
         * Hand back space by hand: pops never store the read position; {@link SyncQueue#acknowledge(long)}
         * does. The registration then holds every message it has read but not acknowledged, and a durable
         * one resumes from what it acknowledged: delivery at least once, for a process that must finish
         * with a message (send it on, store it) before it may be lost. Default false.
         *
         * @return this builder
         */
        public Builder acknowledgeManually() {
            this.manualAcknowledge = true;
            return this;
        }

        /**
         * How long a wait spins before it sleeps on a futex. Default 20 µs. {@link Duration#ZERO} sleeps at
         * once; {@link #FOREVER} spins and never sleeps (lowest latency, one busy core per waiter).
         *
         * @param spin how long to spin, not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code spin} is negative
         */
        public Builder spin(Duration spin) {
            if (Objects.requireNonNull(spin, "spin").isNegative()) {
                throw new IllegalArgumentException("spin cannot be negative: " + spin);
            }
            this.spin = spin;
            return this;
        }

        /**
         * Creates the queue and registers on it; fails with {@link QueueExistsException} if it exists.
         *
         * @return the registration, to close when done
         * @throws QueueExistsException if there is already a queue of that name
         * @throws InvalidSizeException if the size or the reader count is out of range
         * @throws InvalidNameException if the queue or sender name is not allowed
         */
        public SyncQueue create() {
            return join(Registration.Join.CREATE);
        }

        /**
         * Registers on an existing queue; fails with {@link NoSuchQueueException} if there is none.
         *
         * @return the registration, to close when done
         * @throws NoSuchQueueException if there is no queue of that name
         * @throws InvalidNameException if the queue or sender name is not allowed
         */
        public SyncQueue open() {
            return join(Registration.Join.ATTACH);
        }

        /**
         * Registers on the queue, creating it first if it does not exist. One step under the queue name's
         * lock: two processes calling this at once end up on one queue.
         *
         * @return the registration, to close when done
         * @throws InvalidSizeException if the size or the reader count is out of range, whether or not the
         *                              queue exists
         * @throws InvalidNameException if the queue or sender name is not allowed
         */
        public SyncQueue openOrCreate() {
            return join(Registration.Join.ATTACH_OR_CREATE);
        }

        private SyncQueue join(Registration.Join join) {
            Platform.requireUsable();
            if (durable && !senderGiven) {
                throw new IllegalStateException("a durable registration is resumed by its name: give it one with"
                        + " sender(...)");
            }
            if (durable && writeOnly) {
                throw new IllegalStateException("a write-only registration has no read position to keep: it cannot"
                        + " be durable");
            }
            if (durable && sender.getBytes(StandardCharsets.UTF_8).length > ReaderSlotLayout.MAX_SENDER_BYTES) {
                throw new InvalidNameException("a durable registration's name is kept whole in its slot: at most "
                        + ReaderSlotLayout.MAX_SENDER_BYTES + " UTF-8 bytes, not "
                        + sender.getBytes(StandardCharsets.UTF_8).length);
            }
            long capacity = size != null ? size : QueueGeometry.minCapacity();
            Registration.Creation creation = new Registration.Creation(capacity, maxReaders, keep, groupAccess);
            return handle(Registration.join(directory, name, join, creation,
                    new RegistrationSettings(sender, saturatedNanos(spin), writeOnly, durable, manualAcknowledge)));
        }

        private SyncQueue handle(Registration registration) {
            if (filterSelf) {
                registration.senderScreen().add(registration.sender());
                registration.skipOwnRecords();
            }
            return new SyncQueue(registration);
        }
    }
}
