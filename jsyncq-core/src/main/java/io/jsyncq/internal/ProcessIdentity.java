package io.jsyncq.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process as the kernel knows it: its pid, the time it started (clock ticks since boot, field 22 of
 * {@code /proc/PID/stat}), and its pid namespace (the inode of {@code /proc/self/ns/pid}). The pid and
 * start time together tell a live process from a later one given a recycled pid; the namespace says
 * whether another process's pid means anything here at all.
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

    /** True if this identity's process runs now, as far as this process can see. */
    public boolean isRunning() {
        return startTime != UNKNOWN_START_TIME && startTimeOf(pid) == startTime;
    }

    /** True if this process can check {@code other} by its pid: both in one pid namespace, with /proc readable. */
    public boolean canSeeByPid(ProcessIdentity other) {
        return pidNamespace != UNKNOWN_NAMESPACE && pidNamespace == other.pidNamespace
                && startTime != UNKNOWN_START_TIME && other.startTime != UNKNOWN_START_TIME;
    }

    /** The identity of {@code pid} in this process's pid namespace, as it is now. */
    public static ProcessIdentity of(int pid) {
        return new ProcessIdentity(pid, startTimeOf(pid), CURRENT.pidNamespace);
    }

    /**
     * The start time of {@code pid} in this process's pid namespace, or {@link #UNKNOWN_START_TIME} when no
     * such process is visible.
     */
    public static long startTimeOf(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[19]);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_START_TIME;
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
