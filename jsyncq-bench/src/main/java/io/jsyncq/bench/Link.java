package io.jsyncq.bench;

/**
 * One worker's end of a contender's channels in one task: it writes one channel and/or reads one, as the
 * {@link Topology} says. Bodies go out of {@link #src} and come into {@link #dst}: every contender copies
 * the body into the queue and out of it again, so each transfer is two copies everywhere.
 */
abstract class Link implements AutoCloseable {

    /** Receives the messages of one {@link #receive} call; the body is in {@code body[0, length)}. */
    interface Sink {
        void onMessage(byte[] body, int length);
    }

    final byte[] src;
    final byte[] dst;

    Link(int maxLength) {
        this.src = new byte[Math.max(16, maxLength)];
        this.dst = new byte[Math.max(16, maxLength)];
    }

    /** Sends {@code src[0, length)}, waiting (by the mode) while there is no room. */
    abstract void send(int length);

    /** Waits (by the mode) for at least one message, then hands up to {@code max} to the sink; returns how many. */
    abstract int receive(Sink sink, int max);

    @Override
    public abstract void close();

    static Link open(String contender, Task task, Topology topology, Mode mode, int maxLength) {
        return switch (contender) {
            case "jsyncq" -> new JsyncqLink(task, topology, mode, maxLength, false);
            case Results.JSYNCQ_SPLIT -> new JsyncqLink(task, topology, mode, maxLength, true);
            case "aeron" -> new AeronLink(task, topology, mode, maxLength, false, false);
            case "aeron-exclusive" -> new AeronLink(task, topology, mode, maxLength, true, false);
            case Results.AERON_UDP -> new AeronLink(task, topology, mode, maxLength, true, true);
            case Results.JSYNCQ_BRIDGE -> BridgeLink.open(task, topology, mode, maxLength);
            case "chronicle" -> new ChronicleLink(task, topology, mode, maxLength);
            case "agrona" -> new AgronaLink(task, topology, mode, maxLength);
            default -> throw new IllegalArgumentException("unknown contender " + contender);
        };
    }

    /**
     * How many workers a task of this contender needs beyond the topology's ranks: the bridge processes,
     * one per "host", which neither send nor receive.
     */
    static int bridgeProcesses(String contender) {
        return contender.equals(Results.JSYNCQ_BRIDGE) ? BridgeLink.HOSTS : 0;
    }

    /** Whether the contender's ranks reach each other over UDP (the task then needs {@code ports}, one per host). */
    static boolean overUdp(String contender) {
        return contender.equals(Results.JSYNCQ_BRIDGE) || contender.equals(Results.AERON_UDP);
    }

    /** Whether the contender can deliver one channel to several readers. */
    static boolean fansOut(String contender) {
        return !contender.equals("agrona");
    }
}
