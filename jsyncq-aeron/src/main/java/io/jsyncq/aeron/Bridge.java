package io.jsyncq.aeron;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInUseException;
import io.jsyncq.QueueInfo;
import io.jsyncq.ReaderInfo;
import io.jsyncq.SyncQueue;
import io.jsyncq.SyncQueueException;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Joins the queues of one name on several hosts into one queue: every message appended on any host is
 * delivered to every registration on every host, once, under its original sender and type. Run one bridge
 * per host, each listing the others as peers; Aeron carries the messages over UDP.
 *
 * <pre>{@code
 * try (Bridge bridge = Bridge.builder("orders").listen("10.0.0.1:40123")
 *         .peer("10.0.0.2:40123").peer("10.0.0.3:40123").start()) {
 *     ...   // the queue "orders" on this host is now one with theirs
 * }
 * }</pre>
 *
 * <h2>What is promised</h2>
 * <ul>
 *   <li>Each origin's messages arrive on every host in the order its own queue gave them; every host's
 *       readers share one order, as on one machine. Without a sequencer there is <em>no single order across
 *       hosts</em>: two messages appended at once on two hosts may be read in different orders on different
 *       hosts. With one ({@link Builder#sequencer}), every host reads every message in the sequencer host's
 *       order: the other hosts' bridges send their messages to it alone, and their own readers get them
 *       back from it, in that order, like everyone else's (their queues' delivery is gated,
 *       {@link SyncQueue#gateDelivery()}). The price is a round trip to the sequencer before a host reads
 *       its own messages, and no delivery on a host while the sequencer is out of reach.</li>
 *   <li>Screening by sender and type works the same everywhere: a relayed message keeps its sender and type.
 *       A bridge never sends back what it relayed in, so there are no loops and no echoes.</li>
 *   <li>A peer is a reader like any other, with a buffer: messages a peer cannot take yet (not connected,
 *       or its own queue full) are kept for it, up to the backlog bound, while the bridge goes on reading;
 *       beyond the bound the bridge stops reading, and so holds this host's writers back once the queue is
 *       full. A peer that takes nothing for the peer timeout is cut off: the bridge logs which messages that
 *       peer does not get, counts them in {@link #status()} (and {@code jsyncq stat}), and delivers again
 *       once the peer is back. Nothing is dropped silently.</li>
 *   <li>A bridge killed at any moment and started again (same queue, directory and listening endpoint) loses
 *       nothing and delivers nothing twice: its registration is durable, so the queue keeps what is appended
 *       while it is down; what it read is in its outbox (a file beside the queue) until every peer has
 *       appended it; and each receiving bridge drops what it appended already (its inbox, beside the queue).
 *       A stopped bridge keeps that place until {@link #forget} gives it up.</li>
 * </ul>
 *
 * <p>One bridge per queue per host: a second one for the same queue is refused (it would relay the first
 * one's relays again).
 */
public final class Bridge implements AutoCloseable {

    /** The sender name of a bridge's registration starts with this; {@code stat} shows it as a reader. */
    public static final String SENDER_PREFIX = "bridge ";

    private final String queueName;
    private final Endpoint listen;
    private final Endpoint sequencer;
    private final Consumer<String> log;
    private final SyncQueue queue;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Subscription subscription;
    private final Subscription acknowledgementsIn;
    private final Outbox outbox;
    private final Inbox inbox;
    private final List<PeerLink> peers;
    private final Outbound outbound;
    private final Inbound inbound;
    /** The bridge's one thread: see {@link BridgeAgent}. */
    private final Thread agentThread;
    private final Thread statusThread;
    private final Path directory;
    private volatile boolean stopping;
    private volatile Throwable failure;

    private Bridge(Builder builder) {
        this.queueName = builder.queueName;
        this.listen = builder.listen;
        this.log = builder.log;
        this.directory = builder.directory;
        refuseASecondBridge(builder);
        this.sequencer = builder.sequencer;
        boolean isSequencer = builder.listen.equals(builder.sequencer);
        // The sequencer's bridge also reads what it relayed in: every host gets the sequencer's whole order.
        SyncQueue.Builder registration = SyncQueue.builder(queueName).directory(builder.directory)
                .sender(SENDER_PREFIX + builder.listen).durable().acknowledgeManually().filterSelf(!isSequencer);
        if (builder.queueSize != null) {
            registration.size(builder.queueSize);
        }
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            queue = builder.queueSize != null ? registration.openOrCreate() : registration.open();
            opened.add(queue);
            outbox = Outbox.open(stateFile(builder, "outbox"), builder.maxBacklogBytes, log);
            opened.add(outbox);
            inbox = Inbox.open(stateFile(builder, "inbox"));
            opened.add(inbox);
            if (!queue.isResumed()) {
                outbox.forgetQueuePositions();
            }
            inbox.recover(queue.isResumed(), queue.lastAppendBeforeResume(), log);
            if (builder.sequencer != null && !isSequencer) {
                queue.gateDelivery(); // this host's readers get its messages back from the sequencer, in its order
            }
            driver = builder.aeronDirectory == null ? launchDriver(builder) : null;
            opened.add(driver);
            String aeronDirectory = driver != null ? driver.aeronDirectoryName() : builder.aeronDirectory.toString();
            // The client's conductor, and the embedded driver, run on the bridge's thread (BridgeAgent); until it
            // starts, the client drives the driver itself while it waits for the driver's answers.
            Aeron.Context client = new Aeron.Context().aeronDirectoryName(aeronDirectory).useConductorAgentInvoker(true);
            if (driver != null) {
                client.driverAgentInvoker(driver.sharedAgentInvoker());
            }
            aeron = Aeron.connect(client);
            opened.add(aeron);
            int streamId = streamId(queueName);
            peers = new ArrayList<>();
            List<ExclusivePublication> acknowledgementsOut = new ArrayList<>();
            for (Endpoint peer : builder.linkedPeers()) {
                ExclusivePublication publication = aeron.addExclusivePublication(peer.channel(), streamId);
                peers.add(new PeerLink(peer, publication, builder.peerTimeout.toNanos(), outbox.originId(),
                        outbox.start(), log));
                acknowledgementsOut.add(aeron.addExclusivePublication(peer.channel(), streamId + 1));
            }
            opened.addAll(peers);
            opened.addAll(acknowledgementsOut);
            inbound = new Inbound(queue, inbox, acknowledgementsOut, listen, () -> stopping, log);
            subscription = aeron.addSubscription(listen.channel(), streamId, inbound::onImageAvailable,
                    inbound::onImageUnavailable);
            inbound.subscribe(subscription);
            acknowledgementsIn = aeron.addSubscription(listen.channel(), streamId + 1);
            outbound = new Outbound(queue, peers, outbox, acknowledgementsIn, inbound::acknowledgeLimit, log);
        } catch (RuntimeException | Error e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                CloseHelper.quietClose(opened.get(i));
            }
            throw e;
        }
        List<AgentInvoker> invokers = driver != null
                ? List.of(driver.sharedAgentInvoker(), aeron.conductorAgentInvoker())
                : List.of(aeron.conductorAgentInvoker());
        agentThread = Thread.ofPlatform().name("jsyncq-bridge").unstarted(
                guarded(new BridgeAgent(inbound, outbound, invokers, () -> stopping)));
        statusThread = Thread.ofPlatform().daemon().name("jsyncq-bridge-status").unstarted(this::writeStatus);
        agentThread.start();
        statusThread.start();
        log.accept("bridging queue '" + queueName + "': listening on " + listen + ", peers " + builder.linkedPeers()
                + (builder.sequencer == null ? "" : isSequencer ? ", the sequencer: every host reads this host's order"
                : ", sequenced by " + builder.sequencer + ": this host's messages reach its readers through it")
                + ", peer timeout " + builder.peerTimeout.toMillis() + " ms, "
                + (queue.isResumed() ? "resuming from where the previous bridge left off" : "from the queue's tail")
                + (outbox.isEmpty() ? "" : ", " + (outbox.end() - outbox.start()) + " messages in the outbox")
                + (driver != null ? "" : ", Aeron media driver at " + builder.aeronDirectory));
    }

    /**
     * Starts describing a bridge for the queue of this name on this host.
     *
     * @param queueName the queue's name, the same on every host
     * @return a builder
     */
    public static Builder builder(String queueName) {
        return new Builder(queueName);
    }

    /**
     * Gives up, for good, the place of a bridge that has stopped and will not run again: ends its parked
     * registration, so that the queue stops keeping messages for it, and deletes its outbox and inbox (and its
     * status file and media driver's directory, which a killed bridge leaves). A stopped bridge otherwise keeps both, so that it
     * can resume, loses nothing, and delivers nothing twice.
     *
     * @param directory the queue's directory
     * @param queueName the queue's name
     * @param listen    where that bridge listened: it names the bridge
     * @return how many messages its outbox still held for its peers: they are not delivered now
     * @throws BridgeException if that bridge is running
     */
    public static long forget(Path directory, String queueName, Endpoint listen) {
        String sender = SENDER_PREFIX + listen;
        try {
            for (ReaderInfo reader : QueueAdmin.inspect(directory, queueName).readers()) {
                if (reader.sender().equals(sender)) {
                    if (reader.alive() && !reader.parked()) {
                        throw new BridgeException("the bridge " + listen + " of queue '" + queueName + "' is running"
                                + " (pid " + reader.pid() + "): stop it first");
                    }
                    QueueAdmin.evict(directory, queueName, reader.slot());
                }
            }
            QueueInfo after = QueueAdmin.inspect(directory, queueName);
            if (after.registrations() == 0 && !after.keep()) {
                QueueAdmin.remove(directory, queueName, false); // it was the last registration: as its close would
            }
        } catch (NoSuchQueueException | QueueInUseException gone) {
            // no queue left, or someone registered meanwhile: only its files are the bridge's to remove
        }
        Builder files = builder(queueName).directory(directory).listen(listen);
        long held = 0;
        Path outbox = stateFile(files, "outbox");
        if (Files.exists(outbox)) {
            try (Outbox open = Outbox.open(outbox, 1 << 20, line -> { })) {
                held = open.end() - open.start();
            } catch (BridgeException damaged) {
                held = -1;
            }
        }
        try {
            Files.deleteIfExists(outbox);
            Files.deleteIfExists(stateFile(files, "inbox"));
            BridgeStatusFile.delete(directory, queueName, listen.port()); // these two a killed bridge leaves
            IoUtil.delete(embeddedDriverDirectory(directory, queueName, listen).toFile(), true);
        } catch (IOException e) {
            throw new BridgeException("cannot delete the bridge's files beside " + directory.resolve(queueName) + ": "
                    + e.getMessage(), e);
        }
        return held;
    }

    /**
     * What the bridge has sent and received so far.
     *
     * @return a snapshot
     */
    public BridgeStatus status() {
        return new BridgeStatus(queueName, listen, sequencer, outbound.relayed(), outbound.backlogBytes(),
                peers.stream().map(PeerLink::status).toList(), inbound.status());
    }

    /**
     * The failure that stopped the bridge's work, if one did: the bridge then relays nothing more, and
     * should be closed and restarted.
     *
     * @return the failure, or empty while the bridge works
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Waits until the bridge's work stops, which only a failure or {@link #close()} does.
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void awaitStop() throws InterruptedException {
        agentThread.join();
    }

    /**
     * Stops relaying and stops the embedded media driver (if it runs one). The registration is parked, not
     * ended: the queue keeps what is appended for this bridge until it is started again (with the same
     * queue, directory and listening endpoint), or until {@link #forget} gives its place up.
     */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        try {
            agentThread.join(10_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (agentThread.isAlive()) {
            log.accept("the bridge's thread did not stop within 10 s; its Aeron streams are left for the process's exit"
                    + " to close (closing them now would run the media driver on two threads at once)");
            statusThread.interrupt();
            queue.close();
            return;
        }
        BridgeStatus last = status();
        for (PeerStatus peer : last.peers()) {
            if (peer.undelivered() > 0) {
                log.accept("stopped: " + peer.undelivered() + " messages were NOT delivered to " + peer.endpoint()
                        + " (origin sequences " + peer.firstUndeliveredSequence() + " to "
                        + peer.lastUndeliveredSequence() + ")");
            }
        }
        statusThread.interrupt();
        try {
            statusThread.join(5_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        BridgeStatusFile.delete(directory, queueName, listen.port());
        queue.close();
        log.accept("stopped after relaying " + last.relayed() + " messages out and "
                + last.origins().stream().mapToLong(OriginStatus::appended).sum() + " in");
        peers.forEach(CloseHelper::quietClose);
        CloseHelper.quietCloseAll(subscription, acknowledgementsIn, aeron, driver, outbox, inbox);
    }

    /** For {@code jsyncq stat}: the status, beside the queue file, once a second. */
    private void writeStatus() {
        boolean reported = false;
        while (!stopping) {
            try {
                BridgeStatusFile.write(directory, status());
            } catch (RuntimeException e) {
                if (!reported) {
                    reported = true;
                    log.accept("cannot write the status for jsyncq stat: " + e.getMessage());
                }
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException stop) {
                return;
            }
        }
    }

    private Runnable guarded(Runnable work) {
        return () -> {
            try {
                work.run();
            } catch (Throwable e) {
                if (!stopping) {
                    failure = e;
                    stopping = true;
                    log.accept("FAILED, relaying nothing more: " + e);
                }
            }
        };
    }

    private static MediaDriver launchDriver(Builder builder) {
        // One small driver per bridge, run by the bridge's own thread (invoker mode, see BridgeAgent), so that
        // several bridges (and the processes they serve) share a small machine's cores.
        MediaDriver.Context context = new MediaDriver.Context()
                .aeronDirectoryName(embeddedDriverDirectory(builder.directory, builder.queueName, builder.listen).toString())
                .threadingMode(ThreadingMode.INVOKER)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .termBufferSparseFile(true);
        if (builder.termLength != null) {
            context.publicationTermBufferLength(builder.termLength).ipcTermBufferLength(builder.termLength);
        }
        return MediaDriver.launchEmbedded(context);
    }

    /**
     * Where the embedded media driver of the bridge of this queue and endpoint keeps its files: beside Aeron's
     * default directory (tmpfs), named after what it serves, so that a bridge restarted after a crash cleans up
     * its predecessor's directory, {@link #forget} removes a killed one's, and two bridges on one machine (two
     * queue directories) never share one.
     */
    static Path embeddedDriverDirectory(Path directory, String queueName, Endpoint listen) {
        String serves = directory.toAbsolutePath() + "|" + queueName + "|" + listen;
        return Path.of(CommonContext.getAeronDirectoryName() + "-jsyncq-bridge-" + Integer.toHexString(serves.hashCode()));
    }

    private static void refuseASecondBridge(Builder builder) {
        List<ReaderInfo> readers;
        try {
            readers = QueueAdmin.inspect(builder.directory, builder.queueName).readers();
        } catch (NoSuchQueueException notYet) {
            return;
        }
        for (ReaderInfo reader : readers) {
            if (reader.sender().startsWith(SENDER_PREFIX) && reader.alive() && !reader.evicted()) {
                throw new BridgeException("queue '" + builder.queueName + "' already has a bridge (pid " + reader.pid()
                        + ", '" + reader.sender() + "'): a second one would relay its relays again. Stop that one first,"
                        + " or evict it if it is stuck (jsyncq evict)");
            }
        }
    }

    /**
     * Where the bridge keeps what must outlive its process, beside the queue file:
     * {@code .QUEUE.jsyncq-bridge-outbox-PORT} and {@code .QUEUE.jsyncq-bridge-inbox-PORT}.
     */
    private static Path stateFile(Builder builder, String kind) {
        return builder.directory.resolve("." + builder.queueName + ".jsyncq-bridge-" + kind + "-" + builder.listen.port());
    }

    /** Every host's bridge for a queue uses the same stream: the queue name's hash. */
    static int streamId(String queueName) {
        return queueName.hashCode();
    }

    /** Describes a bridge; {@link #start()} starts it. */
    public static final class Builder {
        private final String queueName;
        private Path directory = SyncQueue.defaultDirectory();
        private Endpoint listen;
        private final List<Endpoint> peers = new ArrayList<>();
        private Long queueSize;
        private Duration peerTimeout = Duration.ofSeconds(30);
        private long maxBacklogBytes = 64L << 20;
        private Path aeronDirectory;
        private Integer termLength;
        private Consumer<String> log = Builder::logToStderr;
        private Endpoint sequencer;

        private Builder(String queueName) {
            this.queueName = Objects.requireNonNull(queueName, "queueName");
        }

        /**
         * The directory of the queue file. Default: {@link SyncQueue#defaultDirectory()}.
         *
         * @param directory a directory
         * @return this builder
         */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Where this bridge receives its peers' messages: an address of this host and a UDP port.
         *
         * @param endpoint {@code HOST:PORT}
         * @return this builder
         */
        public Builder listen(String endpoint) {
            return listen(Endpoint.parse(endpoint));
        }

        /**
         * Where this bridge receives its peers' messages.
         *
         * @param endpoint an address of this host and a UDP port
         * @return this builder
         */
        public Builder listen(Endpoint endpoint) {
            this.listen = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /**
         * A peer bridge, where it listens. Give every other host's bridge.
         *
         * @param endpoint {@code HOST:PORT}
         * @return this builder
         */
        public Builder peer(String endpoint) {
            return peer(Endpoint.parse(endpoint));
        }

        /**
         * A peer bridge, where it listens.
         *
         * @param endpoint the peer's listening endpoint
         * @return this builder
         */
        public Builder peer(Endpoint endpoint) {
            peers.add(Objects.requireNonNull(endpoint, "endpoint"));
            return this;
        }

        /**
         * Gives the bridges one order across hosts: the order of the queue on the host whose bridge listens at
         * {@code endpoint}. Give the same sequencer to every host's bridge. The sequencer's bridge lists every
         * other bridge as a peer; another host's bridge exchanges messages with the sequencer alone (any other
         * peer given is not linked), and its host's readers receive that host's own messages only once they
         * come back from the sequencer. Start each bridge before its host's writers: what is appended before
         * a bridge first registers is delivered on that host as usual, outside the common order.
         *
         * @param endpoint the sequencer bridge's listening endpoint, {@code HOST:PORT}
         * @return this builder
         */
        public Builder sequencer(String endpoint) {
            this.sequencer = Endpoint.parse(endpoint);
            return this;
        }

        /** The peers this bridge exchanges messages with: in sequencer mode, a host other than the sequencer's has one. */
        private List<Endpoint> linkedPeers() {
            return sequencer == null || sequencer.equals(listen) ? peers : List.of(sequencer);
        }

        /**
         * Creates the queue with this capacity if it does not exist; without it, the queue must exist.
         *
         * @param bytes a power of two, as {@link SyncQueue.Builder#size}
         * @return this builder
         */
        public Builder queueSize(long bytes) {
            this.queueSize = bytes;
            return this;
        }

        /**
         * How long a peer may take nothing while messages wait for it before it is cut off (its messages
         * then counted and reported, not sent). Default 30 s.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder peerTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the peer timeout must be positive, not " + timeout);
            }
            this.peerTimeout = timeout;
            return this;
        }

        /**
         * How many bytes of messages the bridge keeps for peers that cannot take them yet, while it goes on
         * reading the local queue. Beyond it, the bridge stops reading and so holds this host's writers
         * back. Default 64 MiB.
         *
         * <p>Without it, two bridges with traffic both ways could wait for each other for ever: each one's
         * queue full behind its own read position, each one's peer waiting for room in it.
         *
         * @param bytes at least 1 MiB
         * @return this builder
         */
        public Builder backlog(long bytes) {
            if (bytes < 1 << 20) {
                throw new IllegalArgumentException("the backlog must be at least 1 MiB, not " + bytes + " bytes");
            }
            this.maxBacklogBytes = bytes;
            return this;
        }

        /**
         * Use the Aeron media driver already running with this directory, instead of an embedded one.
         *
         * @param directory the driver's {@code aeron.dir}
         * @return this builder
         */
        public Builder aeronDirectory(Path directory) {
            this.aeronDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The term length of the embedded driver's streams (Aeron's default, 16 MiB, if not given): the
         * largest message that can cross is an eighth of it.
         *
         * @param bytes a power of two from 64 KiB to 1 GiB
         * @return this builder
         */
        public Builder termLength(int bytes) {
            this.termLength = bytes;
            return this;
        }

        /**
         * Where the bridge's log lines go (connections, peers cut off and back, anything not delivered).
         * Default: standard error, with the time.
         *
         * @param log a consumer of one line at a time, called from the bridge's threads
         * @return this builder
         */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Registers on the queue, starts the media driver (unless an external one was named), and starts
         * relaying.
         *
         * @return the running bridge
         * @throws BridgeException     if the settings are incomplete, or the queue already has a bridge
         * @throws SyncQueueException  if the queue cannot be opened or created
         */
        public Bridge start() {
            if (listen == null) {
                throw new BridgeException("a bridge needs an endpoint to listen on (HOST:PORT)");
            }
            if (sequencer != null && !sequencer.equals(listen) && !peers.isEmpty() && !peers.contains(sequencer)) {
                throw new BridgeException("the sequencer " + sequencer + " is not among the peers " + peers
                        + ": give it as a peer too, or give no peers (a host other than the sequencer's links to it alone)");
            }
            if (linkedPeers().isEmpty()) {
                throw new BridgeException("a bridge needs at least one peer (HOST:PORT of another host's bridge)");
            }
            if (peers.contains(listen)) {
                throw new BridgeException("peer " + listen + " is this bridge's own endpoint");
            }
            if (peers.stream().distinct().count() != peers.size()) {
                throw new BridgeException("a peer is named twice: " + peers);
            }
            return new Bridge(this);
        }

        private static void logToStderr(String line) {
            System.err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " jsyncq-bridge: " + line);
        }
    }
}
