package io.jsyncq.cli;

import io.jsyncq.Message;
import io.jsyncq.QueueFullException;
import io.jsyncq.SyncQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * One child process of {@code jsyncq demo}: attaches to the parent's queue, says it is ready, waits for the
 * start message, then chats until the stop message. Its output is relayed, prefixed, by the parent; its
 * last line is a machine-readable summary for the parent's table.
 */
@Command(name = "demo-child", hidden = true, mixinStandardHelpOptions = true,
        description = "One child process of 'jsyncq demo' (started by it).")
final class DemoChildCommand implements Callable<Integer> {

    static final String READY = "ready";
    static final String START = "start";
    static final String CHAT = "chat";
    static final String STOP = "stop";
    static final String SUMMARY_PREFIX = "@summary ";

    private static final String[] SUBJECTS = {"the red fox", "a busy bee", "my old cat", "the night porter",
            "a lost robot", "the harbour master", "a shy giraffe", "the chess champion", "an early bird",
            "the jazz trio"};
    private static final String[] VERBS = {"waves at", "sings to", "writes a letter to", "waits for",
            "borrows a pencil from", "plays cards with", "tells a joke to", "races", "paints", "bakes bread for"};
    private static final String[] OBJECTS = {"the moon", "a sleepy dragon", "the postman", "two penguins",
            "the lighthouse keeper", "a teapot", "the whole village", "an astronaut", "the grumpy neighbour",
            "a paper boat"};

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--id", required = true)
    int id;

    @Option(names = "--min-pause", converter = Units.DurationValue.class, defaultValue = "200ms")
    Duration minPause;

    @Option(names = "--max-pause", converter = Units.DurationValue.class, defaultValue = "900ms")
    Duration maxPause;

    /** A backstop: a child whose parent vanished without sending stop ends after this long anyway. */
    @Option(names = "--give-up-after", converter = Units.DurationValue.class, defaultValue = "5m")
    Duration giveUpAfter;

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = System.out;
        String me = "child-" + id;
        Random random = new Random(ProcessHandle.current().pid() * 31 + System.nanoTime());
        long giveUp = System.nanoTime() + giveUpAfter.toNanos();
        int sent = 0;
        Map<String, Integer> readFrom = new TreeMap<>();
        try (CleanShutdown shutdown = new CleanShutdown()) {
            SyncQueue queue = shutdown.open(() -> SyncQueue.builder(name).directory(common.directory()).sender(me).open());
            shutdown.run(() -> queue.append(READY, me, Duration.ofSeconds(5)));
            out.println("attached to queue '" + name + "' as " + me + "; waiting for the start message");
            while (true) {
                Optional<Message> message = shutdown.call(() -> queue.pop(Duration.ofMillis(500)));
                if (message.isPresent() && message.get().type().equals(START)) {
                    break;
                }
                if (message.isPresent() && message.get().type().equals(STOP) || parentGone() || System.nanoTime() > giveUp) {
                    out.println("stopped before the start message");
                    return JsyncqCommand.FAILURE;
                }
            }
            out.println("got the start message from the parent");
            boolean stop = false;
            while (!stop) {
                long pause = minPause.toMillis() + (long) (random.nextDouble() * (maxPause.toMillis() - minPause.toMillis()));
                Thread.sleep(Math.max(0, pause));
                String sentence = SUBJECTS[random.nextInt(SUBJECTS.length)] + " " + VERBS[random.nextInt(VERBS.length)]
                        + " " + OBJECTS[random.nextInt(OBJECTS.length)];
                try {
                    shutdown.run(() -> queue.append(CHAT, sentence, Duration.ofSeconds(1)));
                    sent++;
                    out.println("sent    \"" + sentence + "\"");
                } catch (QueueFullException full) {
                    out.println("queue full for 1s, skipped a sentence");
                }
                // Read everything that arrived while sleeping, waiting a little for more.
                while (true) {
                    Optional<Message> message = shutdown.call(() -> queue.pop(Duration.ofMillis(50)));
                    if (message.isEmpty()) {
                        break;
                    }
                    Message m = message.get();
                    if (m.type().equals(STOP)) {
                        out.println("got the stop message from " + m.sender());
                        stop = true;
                        break;
                    }
                    if (m.type().equals(CHAT)) {
                        readFrom.merge(m.sender(), 1, Integer::sum);
                        out.println("read    \"" + m.text() + "\" from " + m.sender());
                    }
                }
                if (!stop && (parentGone() || System.nanoTime() > giveUp)) {
                    out.println("the parent is gone; stopping");
                    stop = true;
                }
            }
        }
        int read = readFrom.values().stream().mapToInt(Integer::intValue).sum();
        out.println("closed the queue: sent " + sent + ", read " + read);
        out.println(SUMMARY_PREFIX + "sent=" + sent + " read=" + readFrom.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(",")));
        out.flush();
        return JsyncqCommand.OK;
    }

    private static final long PARENT_PID = parentPid();

    /** True once the parent has exited: an orphan is re-parented, so its parent's pid changes. */
    private static boolean parentGone() {
        return parentPid() != PARENT_PID;
    }

    private static long parentPid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    }
}
