package io.jsyncq.aeron;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A running bridge's status, beside its queue file, for {@code jsyncq stat}: {@code .QUEUE.jsyncq-bridge-PORT},
 * a properties file rewritten (whole, by a rename) about once a second and deleted when the bridge stops.
 * A bridge killed without stopping leaves it behind; {@link #read} reports its age, and its pid, so that
 * stat can tell it from a live one.
 */
public final class BridgeStatusFile {

    private static final String SUFFIX = ".jsyncq-bridge-";

    private BridgeStatusFile() {
    }

    static Path path(Path directory, String queue, int port) {
        return directory.resolve("." + queue + SUFFIX + port);
    }

    static void write(Path directory, BridgeStatus status) {
        Properties properties = new Properties();
        properties.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        properties.setProperty("listen", status.listen().toString());
        if (status.sequencer() != null) {
            properties.setProperty("sequencer", status.sequencer().toString());
        }
        properties.setProperty("relayed", Long.toString(status.relayed()));
        properties.setProperty("backlog.bytes", Long.toString(status.backlogBytes()));
        properties.setProperty("appended", Long.toString(status.origins().stream().mapToLong(OriginStatus::appended).sum()));
        properties.setProperty("duplicates", Long.toString(status.origins().stream().mapToLong(OriginStatus::duplicates).sum()));
        properties.setProperty("peers", Integer.toString(status.peers().size()));
        for (int i = 0; i < status.peers().size(); i++) {
            PeerStatus peer = status.peers().get(i);
            String key = "peer." + i + ".";
            properties.setProperty(key + "endpoint", peer.endpoint().toString());
            properties.setProperty(key + "state", peer.state());
            properties.setProperty(key + "sent", Long.toString(peer.sent()));
            properties.setProperty(key + "acknowledged", Long.toString(peer.acknowledged()));
            properties.setProperty(key + "undelivered", Long.toString(peer.undelivered()));
            properties.setProperty(key + "undelivered.first", Long.toString(peer.firstUndeliveredSequence()));
            properties.setProperty(key + "undelivered.last", Long.toString(peer.lastUndeliveredSequence()));
        }
        Path file = path(directory, status.queue(), status.listen().port());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            StringWriter text = new StringWriter();
            properties.store(text, "jsyncq bridge status");
            Files.writeString(temporary, text.toString(), StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bridge status " + file + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path directory, String queue, int port) {
        try {
            Files.deleteIfExists(path(directory, queue, port));
        } catch (IOException ignored) {
            // stat reports a leftover file by its age and its dead pid
        }
    }

    /** Which order the bridge's host reads, when a sequencer gives one. */
    private static String order(Properties status) {
        String sequencer = status.getProperty("sequencer");
        if (sequencer == null) {
            return "";
        }
        return sequencer.equals(status.getProperty("listen")) ? "; the sequencer: every host reads this host's order"
                : "; sequenced by " + sequencer + ": every host reads its order";
    }

    /**
     * The status of every bridge of this queue that has written one, as lines for a person to read.
     *
     * @param directory the queue's directory
     * @param queue     the queue's name
     * @return one line per bridge, then one per peer (indented), or none
     */
    public static List<String> read(Path directory, String queue) {
        List<String> lines = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "." + queue + SUFFIX + "[0-9]*")) {
            for (Path file : files) {
                if (file.getFileName().toString().endsWith(".tmp")) {
                    continue;
                }
                Properties status = new Properties();
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    status.load(in);
                }
                long ageMillis = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
                long pid = Long.parseLong(status.getProperty("pid", "0"));
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                lines.add("bridge " + status.getProperty("listen") + " (pid " + pid + (alive ? "" : ", NOT RUNNING")
                        + ", as of " + ageMillis / 1000.0 + " s ago): " + status.getProperty("relayed") + " relayed out, "
                        + status.getProperty("appended") + " in (" + status.getProperty("duplicates", "0")
                        + " arrived again, dropped), " + status.getProperty("backlog.bytes") + " bytes kept for peers"
                        + order(status));
                int peers = Integer.parseInt(status.getProperty("peers", "0"));
                for (int i = 0; i < peers; i++) {
                    String key = "peer." + i + ".";
                    long undelivered = Long.parseLong(status.getProperty(key + "undelivered", "0"));
                    lines.add("  peer " + status.getProperty(key + "endpoint") + "  " + status.getProperty(key + "state")
                            + "  sent " + status.getProperty(key + "sent") + "  acknowledged up to "
                            + status.getProperty(key + "acknowledged", "0") + "  NOT delivered " + undelivered
                            + (undelivered == 0 ? "" : " (origin sequences " + status.getProperty(key + "undelivered.first")
                            + " to " + status.getProperty(key + "undelivered.last") + ")"));
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            lines.add("bridge status unreadable: " + unreadable.getMessage());
        }
        return lines;
    }
}
