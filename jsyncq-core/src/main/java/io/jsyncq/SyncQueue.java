package io.jsyncq;

import io.jsyncq.internal.Platform;
import io.jsyncq.internal.QueueGeometry;
import io.jsyncq.internal.QueueLayout;
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

    /** Creates the queue {@code name} of {@code size} bytes in {@code /dev/shm} and registers on it. */
    public static SyncQueue create(String name, long size) {
        return builder(name).size(size).create();
    }

    /** Attaches to the existing queue {@code name} in {@code /dev/shm} and registers on it. */
    public static SyncQueue open(String name) {
        return builder(name).open();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The directory that queues live in by default: {@code $JSYNCQ_DIR}, else {@code /dev/shm}. */
    public static Path defaultDirectory() {
        String fromEnvironment = System.getenv("JSYNCQ_DIR");
        return fromEnvironment == null || fromEnvironment.isBlank() ? DEFAULT_DIRECTORY : Path.of(fromEnvironment);
    }

    public String name() {
        return registration.queueName();
    }

    /** The name this registration's messages carry as their sender. */
    public String sender() {
        return registration.sender();
    }

    /** The size of the ring in bytes. */
    public long capacity() {
        return registration.capacity();
    }

    /** Senders whose messages this registration skips (pysyncq's {@code scrnsend}); edit it at any time. */
    public Set<String> senderScreen() {
        return registration.senderScreen();
    }

    /** Types whose messages this registration skips (pysyncq's {@code scrntype}); edit it at any time. */
    public Set<String> typeScreen() {
        return registration.typeScreen();
    }

    // ---------------------------------------------------------------------------------------------- append

    /** Appends a message with a UTF-8 body, or fails at once with {@link QueueFullException}. */
    public void append(String type, String body) {
        append(type, body, Duration.ZERO);
    }

    /** Appends a message with a UTF-8 body, waiting up to {@code timeout} for room. */
    public void append(String type, String body, Duration timeout) {
        append(type, Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8), timeout);
    }

    public void append(String type, byte[] body) {
        append(type, body, Duration.ZERO);
    }

    public void append(String type, byte[] body, Duration timeout) {
        registration.append(type, MemorySegment.ofArray(Objects.requireNonNull(body, "body")), deadline(timeout));
    }

    /** Appends the buffer's remaining bytes, copying them straight into the queue; its position is unchanged. */
    public void append(String type, ByteBuffer body) {
        append(type, body, Duration.ZERO);
    }

    public void append(String type, ByteBuffer body, Duration timeout) {
        registration.append(type, MemorySegment.ofBuffer(Objects.requireNonNull(body, "body")), deadline(timeout));
    }

    /** Appends the segment's bytes, copying them straight into the queue. */
    public void append(String type, MemorySegment body) {
        append(type, body, Duration.ZERO);
    }

    public void append(String type, MemorySegment body, Duration timeout) {
        registration.append(type, Objects.requireNonNull(body, "body"), deadline(timeout));
    }

    /**
     * Appends the segment's bytes if there is room now, for producers that spin: returns false, without
     * building an exception, when the queue is full. Every other failure (a message that can never fit, a
     * closed or evicted registration) still throws.
     *
     * @return true if the message was appended
     */
    public boolean tryAppend(String type, MemorySegment body) {
        return registration.tryAppend(type, Objects.requireNonNull(body, "body"));
    }

    /** {@link #tryAppend(String, MemorySegment)} for the buffer's remaining bytes; its position is unchanged. */
    public boolean tryAppend(String type, ByteBuffer body) {
        return registration.tryAppend(type, MemorySegment.ofBuffer(Objects.requireNonNull(body, "body")));
    }

    /** {@link #tryAppend(String, MemorySegment)} for a byte array. */
    public boolean tryAppend(String type, byte[] body) {
        return registration.tryAppend(type, MemorySegment.ofArray(Objects.requireNonNull(body, "body")));
    }

    /** {@link #tryAppend(String, MemorySegment)} for a UTF-8 body. */
    public boolean tryAppend(String type, String body) {
        return tryAppend(type, Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------------------- pop

    /** The next unread, unscreened message, or empty if there is none now. */
    public Optional<Message> pop() {
        return pop(Duration.ZERO);
    }

    /** The next unread, unscreened message, waiting up to {@code timeout} in total for one. */
    public Optional<Message> pop(Duration timeout) {
        MessageCopier copier = new MessageCopier();
        return registration.poll(copier, deadline(timeout)) ? Optional.of(copier.message) : Optional.empty();
    }

    /**
     * Reads the next unread, unscreened message in place, without copying or allocating, if there is one now.
     *
     * @return true if {@code handler} was called
     */
    public boolean pop(MessageHandler handler) {
        return pop(handler, Duration.ZERO);
    }

    /** Reads the next message in place, waiting up to {@code timeout} in total for one. */
    public boolean pop(MessageHandler handler, Duration timeout) {
        return registration.poll(Objects.requireNonNull(handler, "handler"), deadline(timeout));
    }

    /**
     * Reads up to {@code limit} messages in place, those there are now, in one batch: the read position is
     * handed back to writers once for the batch, not once per message.
     *
     * @return how many messages {@code handler} was called for
     */
    public int poll(MessageHandler handler, int limit) {
        return poll(handler, limit, Duration.ZERO);
    }

    /**
     * Reads up to {@code limit} messages in place in one batch, waiting up to {@code timeout} for the first;
     * the rest are those there are then. If the handler throws, its message stays unread and those before it
     * are read.
     *
     * @return how many messages {@code handler} was called for
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

    /** Pops until a pop that waits up to {@code timeout} finds nothing. */
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

    /** The messages there are to read now, as a sequential stream. */
    public Stream<Message> stream() {
        return stream(Duration.ZERO);
    }

    /** A sequential stream that ends when a pop that waits up to {@code timeout} finds nothing. */
    public Stream<Message> stream(Duration timeout) {
        Spliterator<Message> spliterator = Spliterators.spliteratorUnknownSize(drain(timeout).iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(spliterator, false);
    }

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

        private Builder(String name) {
            this.name = name;
        }

        /** Ring size in bytes: a power of two from one page (4 KiB on most machines) to 1 GiB. Default: one page, as in pysyncq. */
        public Builder size(long bytes) {
            this.size = bytes;
            return this;
        }

        /** How many registrations may be open at once. Default 64. */
        public Builder maxReaders(int count) {
            this.maxReaders = count;
            return this;
        }

        /** Keep the queue file when its last registration closes. Default false: the last close removes it. */
        public Builder keep(boolean keep) {
            this.keep = keep;
            return this;
        }

        /** Create the file readable and writable by its group too (0660), not by its owner only (0600). */
        public Builder groupAccess(boolean groupAccess) {
            this.groupAccess = groupAccess;
            return this;
        }

        /** The directory of the queue file. Default {@code $JSYNCQ_DIR}, else {@code /dev/shm}. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The sender name of this registration's messages. Default: the process id. */
        public Builder sender(String sender) {
            this.sender = Objects.requireNonNull(sender, "sender");
            return this;
        }

        /** Put the sender name in the sender screen, so as not to read one's own messages. Default true. */
        public Builder filterSelf(boolean filterSelf) {
            this.filterSelf = filterSelf;
            return this;
        }

        /**
         * Register as a writer only: this registration appends but never pops, so no read position of its
         * holds space, and a producer never has to drain messages it does not want (with pysyncq's
         * semantics, every registration is also a reader, and one that never pops fills the queue). Its pops
         * throw {@link UnsupportedOperationException}. Default false.
         */
        public Builder writeOnly() {
            this.writeOnly = true;
            return this;
        }

        /**
         * How long a wait spins before it sleeps on a futex. Default 20 µs. {@link Duration#ZERO} sleeps at
         * once; {@link #FOREVER} spins and never sleeps (lowest latency, one busy core per waiter).
         */
        public Builder spin(Duration spin) {
            if (Objects.requireNonNull(spin, "spin").isNegative()) {
                throw new IllegalArgumentException("spin cannot be negative: " + spin);
            }
            this.spin = spin;
            return this;
        }

        /** Creates the queue and registers on it; fails with {@link QueueExistsException} if it exists. */
        public SyncQueue create() {
            return join(Registration.Join.CREATE);
        }

        /** Registers on an existing queue; fails with {@link NoSuchQueueException} if there is none. */
        public SyncQueue open() {
            return join(Registration.Join.ATTACH);
        }

        /**
         * Registers on the queue, creating it first if it does not exist. One step under the queue name's
         * lock: two processes calling this at once end up on one queue.
         */
        public SyncQueue openOrCreate() {
            return join(Registration.Join.ATTACH_OR_CREATE);
        }

        private SyncQueue join(Registration.Join join) {
            Platform.requireUsable();
            long capacity = size != null ? size : QueueGeometry.minCapacity();
            Registration.Creation creation = new Registration.Creation(capacity, maxReaders, keep, groupAccess);
            return handle(Registration.join(directory, name, join, creation,
                    new RegistrationSettings(sender, saturatedNanos(spin), writeOnly)));
        }

        private SyncQueue handle(Registration registration) {
            if (filterSelf) {
                registration.senderScreen().add(registration.sender());
            }
            return new SyncQueue(registration);
        }
    }
}
