package io.jsyncq.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process as {@code stat} shows it: its pid, the time it started (clock ticks since boot, field 22 of
 * {@code /proc/PID/stat}), and its pid namespace (the inode of {@code /proc/self/ns/pid}). Display only:
 * whether a registration's process lives is decided by its owner lock ({@link SlotLocks}), never by pids,
 * which are recycled, mean nothing across pid namespaces, and may be hidden.
 */
public record ProcessIdentity(int pid, long startTime, long pidNamespace) {

    public static final long UNKNOWN_START_TIME = -1;
    public static final long UNKNOWN_NAMESPACE = 0;

    private static final ProcessIdentity CURRENT = new ProcessIdentity(
            Math.toIntExact(ProcessHandle.current().pid()),
            startTimeOf(Math.toIntExact(ProcessHandle.current().pid())),
            readPidNamespace());

    public static ProcessIdentity current() {
        return CURRENT;
    }

    /**
     * True if this identity's process is stopped (state {@code T} in {@code /proc/PID/stat}), as far as this
     * process can see: only when both are in one pid namespace and the pid was not recycled. For display
     * only: nothing safe depends on {@code /proc}, which may be hidden, or on pids.
     */
    public boolean isStoppedAsSeenHere() {
        if (pidNamespace == UNKNOWN_NAMESPACE || pidNamespace != CURRENT.pidNamespace
                || startTime == UNKNOWN_START_TIME) {
            return false;
        }
        String[] fields = statFields(pid);
        return fields != null && Long.toString(startTime).equals(fields[19]) && fields[0].equals("T");
    }

    /**
     * The start time of {@code pid} in this process's pid namespace, or {@link #UNKNOWN_START_TIME} when no
     * such process is visible.
     */
    public static long startTimeOf(int pid) {
        String[] fields = statFields(pid);
        try {
            return fields == null ? UNKNOWN_START_TIME : Long.parseLong(fields[19]);
        } catch (NumberFormatException e) {
            return UNKNOWN_START_TIME;
        }
    }

    /** The fields of {@code /proc/PID/stat} from the third (state) on, or null. */
    private static String[] statFields(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return fields.length > 19 ? fields : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long readPidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // "pid:[4026531836]"
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_NAMESPACE;
        }
    }
}
