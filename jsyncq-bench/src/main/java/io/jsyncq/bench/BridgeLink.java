package io.jsyncq.bench;

import io.jsyncq.SyncQueue;
import io.jsyncq.aeron.Bridge;
import io.jsyncq.aeron.BridgeStatus;
import io.jsyncq.aeron.Endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * jsyncq across two "hosts" joined by jsyncq's Aeron bridge (contender {@code jsyncq-bridge}). Each host is a
 * queue directory of its own under /dev/shm with one queue of the task's name, and a {@link Bridge} in a
 * worker process of its own listening on {@code 127.0.0.1:ports[host]}, its peer the other host's bridge.
 * The topology's ranks are the applications, rank {@code r} on host {@code r}, each registered on its own
 * host's queue as {@link JsyncqLink} registers on one queue (a rank that only writes registers write-only);
 * the two ranks after them run the bridges of hosts 0 and 1 and only keep them running for the task.
 *
 * <p>The bridges run as {@code jsyncq bridge} runs one by default (all its work on one thread backing off,
 * its embedded media driver and Aeron client in invoker mode), with
 * the queue and the streams' term length at the task's ring size. Whatever a bridge reports as not
 * delivered, or a failure, fails the task.
 */
final class BridgeLink extends JsyncqLink {

    /** Two hosts: a ping-pong between them, or one writer on host 0 and one reader on host 1. */
    static final int HOSTS = 2;
    private static final long CONNECT_NANOS = 30_000_000_000L;

    private final Task task;
    private final Bridge bridge;
    private final Path directory;
    private final List<String> log;
    private boolean ready;

    private BridgeLink(int maxLength, SyncQueue out, SyncQueue in, Task task, Bridge bridge, Path directory,
                       List<String> log) {
        super(maxLength, out, in);
        this.directory = directory;
        this.task = task;
        this.bridge = bridge;
        this.log = log;
    }

    static Link open(Task task, Topology topology, Mode mode, int maxLength) {
        if (topology.parties() != HOSTS) {
            throw new IllegalArgumentException("jsyncq-bridge: " + HOSTS + " hosts, one application rank each, not "
                    + topology.parties());
        }
        boolean runsBridge = task.rank >= HOSTS;
        int host = runsBridge ? task.rank - HOSTS : task.rank;
        Path directory = task.shmPath("host-" + host);
        long ring = task.longParam("ring", 1 << 20);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Bridge bridge = null;
        SyncQueue queue = null;
        try {
            if (runsBridge) {
                Files.createDirectories(directory);
                bridge = Bridge.builder(task.name("q")).directory(directory)
                        .listen(new Endpoint(AeronLink.LOOPBACK, AeronLink.port(task, host)))
                        .peer(new Endpoint(AeronLink.LOOPBACK, AeronLink.port(task, HOSTS - 1 - host)))
                        .queueSize(ring).termLength((int) ring).log(log::add).start();
                awaitPeer(bridge, log);
            }
            task.barrier(); // both queues exist, both bridges receive from each other
            int writes = topology.writes(task.rank);
            int reads = topology.reads(task.rank);
            if (!runsBridge) {
                SyncQueue.Builder builder = JsyncqLink.builder(task, mode, "q").directory(directory);
                if (writes >= 0 && reads < 0) {
                    builder.writeOnly();
                }
                queue = builder.open();
            }
            task.barrier(); // every application is registered: what one sends now reaches the other
            SyncQueue out = writes >= 0 ? queue : null;
            SyncQueue in = reads >= 0 ? queue : null;
            if (!runsBridge) {
                preTouch(out, in, HOSTS - 1); // one message from the other host, through both bridges
            }
            BridgeLink link = new BridgeLink(maxLength, out, in, task, bridge, directory, log);
            task.barrier();
            link.ready = true;
            return link;
        } catch (IOException e) {
            closeQuietly(queue, bridge, directory, log);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            closeQuietly(queue, bridge, directory, log);
            throw e;
        }
    }

    private static boolean logged(List<String> log, String start) {
        synchronized (log) {
            return log.stream().anyMatch(line -> line.startsWith(start));
        }
    }

    private static void awaitPeer(Bridge bridge, List<String> log) {
        long deadline = System.nanoTime() + CONNECT_NANOS;
        while (!logged(log, "receiving from ") || !logged(log, "connected to peer ")) { // both ways joined
            if (bridge.failure().isPresent() || System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("jsyncq-bridge: the other host's bridge never connected: " + log);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** After a failed set-up: what the bridge logged goes to the worker's log. */
    private static void closeQuietly(SyncQueue queue, Bridge bridge, Path directory, List<String> log) {
        if (queue != null) {
            queue.close();
        }
        if (bridge != null) {
            stop(bridge, directory);
            log.forEach(line -> System.err.println("jsyncq-bridge: " + line));
        }
    }

    /** Stops the bridge and gives its place up: a stopped bridge keeps its registration and files, to resume. */
    private static void stop(Bridge bridge, Path directory) {
        bridge.close();
        Bridge.forget(directory, bridge.status().queue(), bridge.status().listen());
    }

    @Override
    public void close() {
        super.close();
        try {
            if (ready) {
                task.barrier(); // every application has gone (and had all it waited for) before the bridges go
            }
        } finally {
            if (bridge != null) {
                stop(bridge, directory);
                BridgeStatus status = bridge.status();
                boolean lost = status.undelivered() > 0 || bridge.failure().isPresent()
                        || status.origins().stream().anyMatch(o -> o.missing() > 0 || o.notAppended() > 0);
                if (lost) {
                    throw new IllegalStateException("jsyncq-bridge: the bridge lost messages or failed: " + status
                            + "; its log: " + String.join(" | ", log));
                }
            }
        }
    }
}
