package io.jsyncq.cli;

import io.jsyncq.aeron.Bridge;
import io.jsyncq.aeron.BridgeException;
import io.jsyncq.aeron.Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bridge", mixinStandardHelpOptions = true,
        header = "Join a queue with the queues of the same name on other hosts, over Aeron UDP.",
        description = {"Run one bridge per host, each listening on an address of its host and naming every other"
                + " host's bridge as a peer. Every message appended on any host then reaches every registration on"
                + " every host, once, with its sender and type; each origin's messages keep their order, and every"
                + " host's readers share one order. Without --sequencer there is no single order across hosts;"
                + " with it, every host reads the sequencer host's order.",
                "Messages a peer cannot take yet are kept for it (--backlog), then the bridge holds this host's"
                        + " writers back; a peer that takes nothing for --peer-timeout is cut off, and every message it"
                        + " misses is logged and counted (jsyncq stat shows the bridge and its peers).",
                "Runs until Ctrl-C or SIGTERM. Stopped or killed, it keeps its place: the queue keeps what is"
                        + " appended for it, and started again it resumes, losing nothing and delivering nothing twice"
                        + " (its outbox and inbox files lie beside the queue). --forget gives that place up."})
final class BridgeCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Queue name, the same on every host.")
    String name;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Where this bridge receives its peers' messages (an address of this host, a UDP port).")
    String listen;

    @Option(names = "--peer", paramLabel = "HOST:PORT",
            description = "Another host's bridge, where it listens (repeat for every other host).")
    List<String> peers;

    @Option(names = "--sequencer", paramLabel = "HOST:PORT",
            description = "One order across hosts: the order of the host whose bridge listens there (give the same"
                    + " on every host; on that host it is its own --listen, and --peer names every other host)."
                    + " Another host's bridge links to the sequencer alone (--peer may be left out), and that host's"
                    + " readers get its own messages back from the sequencer, in the common order.")
    String sequencer;

    @Option(names = "--size", paramLabel = "SIZE", converter = Units.QueueSize.class,
            description = "Create the queue with this capacity if it does not exist (default: it must exist).")
    Long size;

    @Option(names = "--peer-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Units.DurationValue.class,
            description = "How long a peer may take nothing while messages wait for it before it is cut off"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration peerTimeout;

    @Option(names = "--backlog", paramLabel = "SIZE", defaultValue = "64m",
            description = "Bytes kept for peers that cannot take them yet, before this host's writers are held back"
                    + " (default: ${DEFAULT-VALUE}).")
    String backlog;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
            description = "Use the Aeron media driver running with this directory (default: run one inside the bridge).")
    Path aeronDirectory;

    @Option(names = "--term-length", paramLabel = "SIZE",
            description = "Term length of the embedded driver's streams (default 16m): the largest message that"
                    + " crosses is an eighth of it.")
    String termLength;

    @Option(names = "--forget",
            description = "Instead of running: give up for good the place of the stopped bridge that listened on"
                    + " --listen (the queue stops keeping messages for it; its outbox and inbox are deleted).")
    boolean forget;

    @Override
    public Integer call() throws InterruptedException {
        if (forget) {
            try {
                long held = Bridge.forget(common.directory(), name, Endpoint.parse(listen));
                System.out.println("forgot the bridge " + listen + " of queue '" + name + "'"
                        + (held > 0 ? "; " + held + " messages it held for its peers are NOT delivered" : "")
                        + (held < 0 ? "; its outbox was damaged, and what it held is NOT delivered" : ""));
                return JsyncqCommand.OK;
            } catch (BridgeException | IllegalArgumentException wrong) {
                throw new CliException(wrong.getMessage());
            }
        }
        if ((peers == null || peers.isEmpty()) && (sequencer == null || sequencer.equals(listen))) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--peer=HOST:PORT'");
        }
        Bridge bridge;
        try {
            Bridge.Builder builder = Bridge.builder(name).directory(common.directory()).listen(listen)
                    .peerTimeout(peerTimeout).backlog(Units.parseSize(backlog));
            if (peers != null) {
                peers.forEach(builder::peer);
            }
            if (sequencer != null) {
                builder.sequencer(sequencer);
            }
            if (size != null) {
                builder.queueSize(size);
            }
            if (aeronDirectory != null) {
                builder.aeronDirectory(aeronDirectory);
            }
            if (termLength != null) {
                builder.termLength(Math.toIntExact(Units.parseSize(termLength)));
            }
            bridge = builder.start();
        } catch (BridgeException | IllegalArgumentException | ArithmeticException wrong) {
            throw new CliException(wrong.getMessage());
        }
        Thread stopper = new Thread(bridge::close, "jsyncq-bridge-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        bridge.awaitStop();
        if (bridge.failure().isPresent()) {
            Throwable failure = bridge.failure().get();
            throw new CliException("the bridge stopped: " + failure.getMessage(), failure);
        }
        return JsyncqCommand.OK;
    }
}
