package io.jsyncq.cli;

import io.jsyncq.NoSuchQueueException;
import io.jsyncq.QueueInfo;
import io.jsyncq.QueueMonitor;
import io.jsyncq.ReaderInfo;
import io.jsyncq.aeron.Bridge;
import io.jsyncq.aeron.BridgeStatusFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "stat", mixinStandardHelpOptions = true,
        header = "Show a queue's space, readers, lag and rates, without registering on it.",
        description = {"Show a queue without registering on it: capacity, used and free bytes, the tail position,"
                + " each registration (slot, sender, pid, state, how long it has stood still while behind,"
                + " position, lag in bytes and in messages), and messages and bytes per second.",
                "States: alive; writer (write-only, holds no space); stopped (alive but not running: it holds"
                        + " writers back until resumed, or evicted with `jsyncq evict`); evicted; dead (reclaimed"
                        + " as soon as a writer needs its space).",
                "Rates are measured between two looks --sample apart (or between refreshes with --watch); bytes"
                        + " are ring bytes, record headers and padding included."})
final class StatCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Queue name.")
    String name;

    @Option(names = "--json", description = "Print one JSON object (one per refresh with --watch).")
    boolean json;

    @Option(names = "--prometheus", description = "Print the figures in the Prometheus text format, named as the"
            + " jsyncq-micrometer binder's (for a textfile collector or a scrape script).")
    boolean prometheus;

    @Option(names = "--watch", paramLabel = "INTERVAL", arity = "0..1", fallbackValue = "1s",
            description = "Refresh every INTERVAL (default 1s) until Ctrl-C; in place on a terminal.")
    String watchText;

    private Duration watch;

    @Option(names = "--sample", paramLabel = "DURATION", defaultValue = "250ms", converter = Units.DurationValue.class,
            description = "Without --watch: how long to measure rates over (default: ${DEFAULT-VALUE}; 0 for none).")
    Duration sample;

    @Override
    public Integer call() throws InterruptedException {
        if (watchText != null) {
            try {
                watch = Units.parseDuration(watchText);
            } catch (TypeConversionException notADuration) {
                if (name != null) {
                    throw new ParameterException(spec.commandLine(), "Invalid value for option '--watch': "
                            + notADuration.getMessage());
                }
                name = watchText; // "stat --watch NAME": the option took the name as its value
                watch = Duration.ofSeconds(1);
            }
        }
        if (name == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'NAME'");
        }
        if (prometheus && (json || watch != null)) {
            throw new ParameterException(spec.commandLine(), "--prometheus prints one snapshot: it goes with neither"
                    + " --json nor --watch");
        }
        PrintStream out = System.out;
        try (QueueMonitor monitor = QueueMonitor.open(common.directory(), name)) {
            if (watch == null) {
                QueueInfo info = monitor.snapshot();
                if (!sample.isZero()) {
                    Thread.sleep(sample);
                    info = monitor.snapshot();
                }
                out.print(prometheus ? PrometheusText.of(info) : json ? toJson(info) + "\n" : toText(info) + bridges(info));
                out.flush();
                return JsyncqCommand.OK;
            }
            boolean terminal = System.console() != null && System.console().isTerminal();
            boolean first = true;
            while (true) {
                QueueInfo info;
                try {
                    info = monitor.snapshot();
                } catch (NoSuchQueueException removed) {
                    System.err.println("jsyncq: " + removed.getMessage());
                    return JsyncqCommand.OK;
                }
                if (json) {
                    out.println(toJson(info));
                } else if (terminal) {
                    out.print("\033[H\033[2J" + toText(info) + bridges(info));
                } else {
                    out.print((first ? "" : "\n") + toText(info) + bridges(info));
                }
                out.flush();
                first = false;
                Thread.sleep(watch.isZero() ? Duration.ofMillis(100) : watch);
            }
        }
    }

    /**
     * The bridges of this queue to other hosts ({@code jsyncq bridge}), as their status files tell, and what
     * to do about a stopped one, which keeps its place (and so holds writers back once the queue fills).
     */
    private String bridges(QueueInfo info) {
        StringBuilder text = new StringBuilder();
        List<String> lines = new ArrayList<>(BridgeStatusFile.read(common.directory(), name));
        for (ReaderInfo reader : info.readers()) {
            if (reader.parked() && reader.sender().startsWith(Bridge.SENDER_PREFIX)) {
                String listen = reader.sender().substring(Bridge.SENDER_PREFIX.length());
                lines.add("bridge " + listen + " is stopped and keeps its place: the queue holds what is appended for"
                        + " it until it runs again; to give it up, jsyncq bridge " + name + " --listen " + listen
                        + " --forget");
            }
        }
        if (!lines.isEmpty()) {
            line(text, "bridges", "to other hosts (a bridge is also a reader above)");
            lines.forEach(bridgeLine -> text.append("  ").append(bridgeLine).append(System.lineSeparator()));
        }
        return text.toString();
    }

    static String toText(QueueInfo info) {
        StringBuilder text = new StringBuilder();
        line(text, "queue", info.name() + "  (" + info.path() + ")");
        line(text, "capacity", Units.bytes(info.capacity()) + " (" + info.capacity() + " bytes), max readers "
                + info.maxReaders() + (info.keep() ? ", kept when unused" : ", removed by its last close"));
        line(text, "used", Units.bytes(info.usedBytes()) + " (" + info.usedBytes() + " bytes, "
                + percent(info.usedBytes(), info.capacity()) + ")");
        line(text, "free", Units.bytes(info.freeBytes()) + " (" + info.freeBytes() + " bytes)");
        line(text, "tail", "position " + info.tail());
        QueueInfo.Rates rates = info.rates();
        if (rates != null) {
            line(text, "rate", Units.rate(rates.messagesPerSecond()) + (rates.estimated() ? " (estimated)" : "")
                    + " messages/s, " + Units.bytes(Math.round(rates.bytesPerSecond())) + "/s over "
                    + Units.duration(rates.interval()));
        }
        line(text, "repairs", info.readersReclaimed() + " dead registrations reclaimed, " + info.holesRepaired()
                + " dead writers' claims skipped");
        if (info.deliveryGate() >= 0) {
            String holder = info.readers().stream().filter(reader -> reader.slot() == info.deliveryGate())
                    .map(reader -> "'" + reader.sender() + "', ").findFirst().orElse("");
            line(text, "gated", "readers deliver only what " + holder + "slot " + info.deliveryGate()
                    + ", appends (a bridge in sequencer mode): the rest reaches them through it");
        }
        line(text, "readers", info.readers().size() + " registered, " + info.liveReaders() + " alive");
        if (!info.readers().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"SLOT", "SENDER", "PID", "STATE", "STUCK FOR", "POSITION", "LAG BYTES",
                    "LAG MESSAGES"});
            for (ReaderInfo reader : info.readers()) {
                rows.add(new String[] {Integer.toString(reader.slot()), reader.sender(), Integer.toString(reader.pid()),
                        state(reader), reader.stuckFor().isZero() ? "-" : Units.duration(reader.stuckFor()),
                        Long.toString(reader.position()), Long.toString(reader.lagBytes()), lagMessages(reader)});
            }
            text.append(table(rows, "  "));
        }
        return text.toString();
    }

    /**
     * What an operator needs to know: alive, durable (alive, and kept when its process ends), writer (alive,
     * write-only: holds no space), stopped (alive, and holding writers back if behind), evicted, parked (a
     * durable registration whose process ended: it holds its place until resumed or evicted), or dead.
     */
    private static String state(ReaderInfo reader) {
        if (reader.parked()) {
            return "parked"; // durable, its process gone: holds its place until resumed or evicted
        }
        if (!reader.alive()) {
            return "dead";
        }
        if (reader.evicted()) {
            return "evicted";
        }
        if (reader.stopped()) {
            return "stopped";
        }
        if (reader.writeOnly()) {
            return "writer"; // a write-only registration holds no space
        }
        return reader.durable() ? "durable" : "alive";
    }

    private static String lagMessages(ReaderInfo reader) {
        if (reader.lagMessages() < 0) {
            return "?";
        }
        return (reader.lagExact() ? "" : ">=") + reader.lagMessages();
    }

    static String toJson(QueueInfo info) {
        Json json = new Json().beginObject()
                .field("name", info.name())
                .field("path", info.path().toString())
                .field("capacity", info.capacity())
                .field("maxReaders", info.maxReaders())
                .field("keep", info.keep())
                .field("registrations", info.registrations())
                .field("usedBytes", info.usedBytes())
                .field("freeBytes", info.freeBytes())
                .field("tail", info.tail())
                .field("readersReclaimed", info.readersReclaimed())
                .field("holesRepaired", info.holesRepaired())
                .field("deliveryGate", info.deliveryGate());
        QueueInfo.Rates rates = info.rates();
        json.name("rates");
        if (rates == null) {
            json.nullValue();
        } else {
            json.beginObject()
                    .field("intervalMillis", rates.interval().toMillis())
                    .field("messagesPerSecond", rates.messagesPerSecond())
                    .field("bytesPerSecond", rates.bytesPerSecond())
                    .field("messagesEstimated", rates.estimated())
                    .endObject();
        }
        json.name("readers").beginArray();
        for (ReaderInfo reader : info.readers()) {
            json.beginObject()
                    .field("slot", reader.slot())
                    .field("sender", reader.sender())
                    .field("pid", reader.pid())
                    .field("alive", reader.alive())
                    .field("evicted", reader.evicted())
                    .field("stopped", reader.stopped())
                    .field("writeOnly", reader.writeOnly())
                    .field("durable", reader.durable())
                    .field("parked", reader.parked())
                    .field("stuckForMillis", reader.stuckFor().toMillis())
                    .field("position", reader.position())
                    .field("lagBytes", reader.lagBytes());
            json.name("lagMessages");
            if (reader.lagMessages() < 0) {
                json.nullValue();
            } else {
                json.value(reader.lagMessages());
            }
            json.field("lagExact", reader.lagExact()).endObject();
        }
        return json.endArray().endObject().toString();
    }

    private static void line(StringBuilder text, String label, String value) {
        text.append(String.format(Locale.ROOT, "%-9s %s%n", label, value));
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0%" : String.format(Locale.ROOT, "%.0f%%", 100.0 * part / whole);
    }

    /** Left-aligned columns, two spaces apart. */
    static String table(List<String[]> rows, String indent) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(widths[c] - row[c].length() + 2));
                }
            }
            text.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return text.toString();
    }
}
