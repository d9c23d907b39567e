package io.jsyncq.cli;

import io.jsyncq.Message;
import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import io.jsyncq.aeron.Bridge;
import io.jsyncq.aeron.Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Watch several JVMs chat through one queue (pysyncq's demo, with real processes).",
        description = {"pysyncq's demo with real processes: create a queue, start N child JVMs that each attach"
                + " to it by name, and let them chat.",
                "Each child waits for the parent's start message, then in turn sleeps a random time, appends a"
                        + " random sentence and reads what the others wrote, until the parent's stop message."
                        + " Every line is prefixed by the process that printed it; a summary of what each process"
                        + " sent and read ends the run, and the queue file is gone afterwards.",
                "With --hosts N, the same across N \"hosts\" on this machine: N queue directories, each joined to the"
                        + " others by its own bridge process (jsyncq bridge, on 127.0.0.1), the children spread over"
                        + " them; every child still reads every other."})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    private static final long QUEUE_SIZE = 64 * 1024;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--children", paramLabel = "N", defaultValue = "4",
            description = "How many child processes (1-32; default: ${DEFAULT-VALUE}).")
    int children;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = Units.DurationValue.class,
            description = "How long the children chat (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--hosts", paramLabel = "N", defaultValue = "1",
            description = "How many \"hosts\" (queue directories joined by bridges over loopback UDP; 1-8;"
                    + " default: ${DEFAULT-VALUE}).")
    int hosts;

    /** Where each host's bridge listens, once started. */
    private final List<String> bridgeEndpoints = new ArrayList<>();

    @Option(names = "--min-pause", hidden = true, converter = Units.DurationValue.class, defaultValue = "200ms")
    Duration minPause;

    @Option(names = "--max-pause", hidden = true, converter = Units.DurationValue.class, defaultValue = "900ms")
    Duration maxPause;

    private final PrintStream out = System.out;
    private final long pid = ProcessHandle.current().pid();

    /**
     * One child JVM (a chatting child, or a bridge) and what it reported. Its output goes to a file that the
     * relay follows, not to a pipe: the JDK closes a child's pipe when the child exits, and what a reader had
     * not taken yet (a bridge's last lines, written just before it exits) would be lost.
     */
    private final class Child {
        final String sender;
        final Process process;
        final Path output;
        final Thread relay;
        volatile String summary;
        volatile int connectedPeers;

        Child(String sender, Process process, Path output) {
            this.sender = sender;
            this.process = process;
            this.output = output;
            String prefix = "[" + sender + " pid " + process.pid() + "] ";
            this.relay = Thread.ofPlatform().name("relay-" + sender).daemon().start(() -> relay(prefix));
        }

        private void relay(String prefix) {
            StringBuilder partial = new StringBuilder();
            byte[] buffer = new byte[8192];
            try (InputStream in = Files.newInputStream(output)) {
                while (true) {
                    boolean exited = !process.isAlive(); // before the read: what it wrote is all in the file then
                    int read = in.read(buffer);
                    if (read > 0) {
                        partial.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                        int newline;
                        while ((newline = partial.indexOf("\n")) >= 0) {
                            line(prefix, partial.substring(0, newline));
                            partial.delete(0, newline + 1);
                        }
                    } else if (exited) {
                        break;
                    } else {
                        Thread.sleep(20);
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // the child has gone; its exit code tells the rest
            } finally {
                if (!partial.isEmpty()) {
                    line(prefix, partial.toString());
                }
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }

        private void line(String prefix, String line) {
            if (line.startsWith(DemoChildCommand.SUMMARY_PREFIX)) {
                summary = line.substring(DemoChildCommand.SUMMARY_PREFIX.length());
                return;
            }
            if (line.contains("jsyncq-bridge: connected to peer")) {
                connectedPeers++;
            }
            print(prefix + line);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (children < 1 || children > 32) {
            throw new ParameterException(spec.commandLine(), "--children must be from 1 to 32, not " + children);
        }
        if (hosts < 1 || hosts > 8) {
            throw new ParameterException(spec.commandLine(), "--hosts must be from 1 to 8, not " + hosts);
        }
        if (minPause.compareTo(maxPause) > 0) {
            throw new ParameterException(spec.commandLine(), "--min-pause must not be longer than --max-pause");
        }
        String name = "jsyncq-demo-" + pid;
        List<Path> hostDirectories = hostDirectories(name);
        Path directory = hostDirectories.getFirst();
        String me = String.format("[%-" + ("child-" + children).length() + "s pid %d] ", "parent", pid);
        List<Child> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Child> bridges = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, Integer> parentRead = new TreeMap<>();
        int parentSent = 0;
        try (CleanShutdown shutdown = new CleanShutdown()) {
            SyncQueue queue = shutdown.open(() -> SyncQueue.builder(name).directory(directory).size(QUEUE_SIZE)
                    .sender("parent").create());
            shutdown.onSignal(() -> {
                stopChildren(started, me);
                stopChildren(bridges, me);
            }, () -> {
                forgetBridges(hostDirectories, name);
                hostDirectories.forEach(host -> removeIfLeft(host, name));
            });
            print(me + "created queue '" + name + "' (" + Units.bytes(QUEUE_SIZE) + ") in " + directory
                    + "; starting " + children + " child JVM" + (children == 1 ? "" : "s"));
            try {
                if (hosts > 1) {
                    startBridges(hostDirectories, name, bridges, me);
                }
                for (int id = 1; id <= children; id++) {
                    Path host = hostDirectories.get((id - 1) % hosts);
                    started.add(startChild(host, name, id));
                }
                waitUntilReady(queue, shutdown, started, me);
                print(me + "all " + children + " children are registered: sending the start message");
                shutdown.run(() -> queue.append(DemoChildCommand.START, "go", Duration.ofSeconds(5)));
                parentSent++;
                long end = System.nanoTime() + duration.toNanos();
                long remaining;
                while ((remaining = end - System.nanoTime()) > 0) {
                    Duration wait = Duration.ofNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(200)));
                    shutdown.call(() -> queue.pop(wait)).ifPresent(m -> count(parentRead, m));
                }
                print(me + Units.duration(duration) + " are up: sending the stop message");
                appendWhileReading(queue, shutdown, parentRead);
                parentSent++;
                long exitDeadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
                while (started.stream().anyMatch(c -> c.process.isAlive()) && System.nanoTime() < exitDeadline) {
                    shutdown.call(() -> queue.pop(Duration.ofMillis(100))).ifPresent(m -> count(parentRead, m));
                }
            } finally {
                if (!shutdown.stopping()) { // on a signal, the shutdown hook stops the children and cleans up
                    stopStragglers(started, me);
                    stopChildren(bridges, me); // SIGTERM: each bridge closes its registration and says so
                }
            }
        }
        forgetBridges(hostDirectories, name);
        Path file = directory.resolve(name);
        boolean leftBehind = false;
        for (Path host : hostDirectories) {
            if (Files.exists(host.resolve(name))) {
                leftBehind = true;
                QueueAdmin.remove(host, name, true); // a child died without closing
            }
        }
        removeHostDirectories(hostDirectories);
        print(me + "closed the queue; " + (leftBehind ? "a child did not close, so the parent removed " + file
                : "the last process to close removed " + file));
        printSummary(started, parentSent, parentRead);
        List<String> failed = started.stream().filter(c -> c.process.exitValue() != 0)
                .map(c -> c.sender + " exited with code " + c.process.exitValue()).toList();
        if (!failed.isEmpty()) {
            throw new CliException("demo failed: " + String.join(", ", failed));
        }
        return JsyncqCommand.OK;
    }

    /** One directory per "host": the common directory itself, or with --hosts, one under it for each. */
    private List<Path> hostDirectories(String name) {
        Path base = common.directory();
        if (hosts == 1) {
            return List.of(base);
        }
        List<Path> directories = new ArrayList<>();
        for (int host = 1; host <= hosts; host++) {
            Path directory = base.resolve(name + "-hosts").resolve("host-" + host);
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new CliException("could not create " + directory + ": " + e.getMessage(), e);
            }
            directories.add(directory);
        }
        return directories;
    }

    private void removeHostDirectories(List<Path> directories) {
        if (hosts == 1) {
            return;
        }
        for (Path directory : directories) {
            try {
                Files.deleteIfExists(directory);
            } catch (IOException ignored) {
                // something else was put there: leave it
            }
        }
        try {
            Files.deleteIfExists(directories.getFirst().getParent());
        } catch (IOException ignored) {
            // leave it
        }
    }

    /**
     * The demo is over: the stopped bridges' places are given up (a stopped bridge keeps its registration
     * and its files, to resume), so that each host's queue goes with its last registration.
     */
    private void forgetBridges(List<Path> directories, String name) {
        for (int host = 0; host < bridgeEndpoints.size(); host++) {
            try {
                Bridge.forget(directories.get(host), name, Endpoint.parse(bridgeEndpoints.get(host)));
            } catch (RuntimeException stillRunning) {
                print("could not give up the bridge of host-" + (host + 1) + ": " + stillRunning.getMessage());
            }
        }
    }

    /** A queue on every other host, then a bridge per host naming all the others; waits until they are joined. */
    private void startBridges(List<Path> directories, String name, List<Child> bridges, String me)
            throws InterruptedException {
        List<String> endpoints = bridgeEndpoints;
        for (int host = 0; host < hosts; host++) {
            endpoints.add("127.0.0.1:" + freeUdpPort());
            if (host > 0) {
                QueueAdmin.create(directories.get(host), name, QUEUE_SIZE, 64, false, false);
            }
        }
        for (int host = 0; host < hosts; host++) {
            List<String> args = new ArrayList<>(List.of("--dir", directories.get(host).toString(), "bridge", name,
                    "--listen", endpoints.get(host)));
            for (int peer = 0; peer < hosts; peer++) {
                if (peer != host) {
                    args.addAll(List.of("--peer", endpoints.get(peer)));
                }
            }
            print(me + "host-" + (host + 1) + ": queue in " + directories.get(host) + ", bridge on " + endpoints.get(host));
            bridges.add(startJsyncq("bridge-" + (host + 1), args));
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (bridges.stream().anyMatch(bridge -> bridge.connectedPeers < hosts - 1)) {
            for (Child bridge : bridges) {
                if (!bridge.process.isAlive()) {
                    throw new CliException(bridge.sender + " exited with code " + bridge.process.exitValue());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CliException("the bridges did not connect within " + Units.duration(READY_TIMEOUT));
            }
            Thread.sleep(50);
        }
        print(me + "the " + hosts + " hosts are joined");
    }

    private static int freeUdpPort() {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new CliException("no free UDP port: " + e.getMessage(), e);
        }
    }

    private void stopStragglers(List<Child> started, String me) throws InterruptedException {
        for (Child child : started) {
            if (child.process.isAlive()) {
                print(me + child.sender + " did not stop in time: killing it");
                child.process.destroyForcibly();
            }
        }
        for (Child child : started) {
            child.process.waitFor(10, TimeUnit.SECONDS);
            child.relay.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    /** On a signal: ask every child to stop (SIGTERM: each closes its registration) and wait a little. */
    private void stopChildren(List<Child> started, String me) {
        print(me + "stopping: asking the children to close");
        started.forEach(child -> child.process.destroy());
        for (Child child : started) {
            try {
                if (!child.process.waitFor(10, TimeUnit.SECONDS)) {
                    child.process.destroyForcibly();
                }
                child.relay.join(TimeUnit.SECONDS.toMillis(2)); // its last lines, before the summary
            } catch (InterruptedException e) {
                child.process.destroyForcibly();
            }
        }
    }

    /** A child killed before it could close leaves the queue counted as in use: remove the file. */
    private static void removeIfLeft(Path directory, String name) {
        if (Files.exists(directory.resolve(name))) {
            QueueAdmin.remove(directory, name, true);
        }
    }

    private Child startChild(Path directory, String name, int id) {
        List<String> args = new ArrayList<>(List.of("demo-child", name, "--id", Integer.toString(id), "--dir",
                directory.toString(), "--min-pause", minPause.toMillis() + "ms", "--max-pause", maxPause.toMillis() + "ms"));
        if (CommonOptions.verbose()) {
            args.add("--verbose");
        }
        return startJsyncq("child-" + id, args);
    }

    /** The jsyncq command in a JVM of its own, as bin/jsyncq would run it. */
    private Child startJsyncq(String sender, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow"); // Agrona, in a bridge
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dstdout.encoding=UTF-8");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JsyncqCommand.class.getName());
        command.addAll(args);
        try {
            Path output = Files.createTempFile("jsyncq-demo-" + sender + "-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            return new Child(sender, process, output);
        } catch (IOException e) {
            throw new CliException("could not start a child JVM: " + e.getMessage(), e);
        }
    }

    private void waitUntilReady(SyncQueue queue, CleanShutdown shutdown, List<Child> started, String me) {
        TreeSet<String> ready = new TreeSet<>();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (ready.size() < started.size()) {
            Optional<Message> message = shutdown.call(() -> queue.pop(Duration.ofMillis(200)));
            message.filter(m -> m.type().equals(DemoChildCommand.READY)).ifPresent(m -> ready.add(m.sender()));
            for (Child child : started) {
                if (!child.process.isAlive() && !ready.contains(child.sender)) {
                    throw new CliException(child.sender + " exited with code " + child.process.exitValue()
                            + " before it registered");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CliException("only " + ready.size() + " of " + started.size() + " children registered within "
                        + Units.duration(READY_TIMEOUT));
            }
        }
    }

    /** Sends stop; keeps reading meanwhile, since the parent's own unread messages hold space too. */
    private void appendWhileReading(SyncQueue queue, CleanShutdown shutdown, Map<String, Integer> parentRead) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                shutdown.run(() -> queue.append(DemoChildCommand.STOP, "", Duration.ofMillis(100)));
                return;
            } catch (QueueFullException full) {
                if (System.nanoTime() > deadline) {
                    throw full;
                }
                shutdown.call(() -> {
                    for (Message m : queue) {
                        count(parentRead, m);
                    }
                    return null;
                });
            }
        }
    }

    private static void count(Map<String, Integer> read, Message message) {
        if (message.type().equals(DemoChildCommand.CHAT)) {
            read.merge(message.sender(), 1, Integer::sum);
        }
    }

    private void printSummary(List<Child> started, int parentSent, Map<String, Integer> parentRead) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PROCESS", "PID", "SENT", "READ", "READ FROM"});
        for (Child child : started) {
            String summary = child.summary;
            if (summary == null) {
                rows.add(new String[] {child.sender, Long.toString(child.process.pid()), "?", "?",
                        "(no summary: exit code " + child.process.exitValue() + ")"});
                continue;
            }
            Map<String, Integer> readFrom = parseReadFrom(summary);
            String sent = summary.replaceAll(".*sent=(\\d+).*", "$1");
            rows.add(new String[] {child.sender, Long.toString(child.process.pid()), sent,
                    Integer.toString(readFrom.values().stream().mapToInt(Integer::intValue).sum()),
                    describe(readFrom)});
        }
        rows.add(new String[] {"parent", Long.toString(pid), Integer.toString(parentSent),
                Integer.toString(parentRead.values().stream().mapToInt(Integer::intValue).sum()),
                describe(parentRead)});
        print("");
        print("summary (messages sent and read by each process):");
        print(StatCommand.table(rows, "  ").stripTrailing());
    }

    static Map<String, Integer> parseReadFrom(String summary) {
        Map<String, Integer> readFrom = new TreeMap<>();
        String list = summary.replaceAll(".*read=(\\S*).*", "$1");
        for (String entry : list.split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon > 0) {
                readFrom.put(entry.substring(0, colon), Integer.parseInt(entry.substring(colon + 1)));
            }
        }
        return readFrom;
    }

    private static String describe(Map<String, Integer> readFrom) {
        return readFrom.isEmpty() ? "-" : readFrom.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private void print(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
