package io.jsyncq.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process as the kernel knows it: its pid and the time it started (clock ticks since boot, field 22 of
 * {@code /proc/PID/stat}). The pair tells a live process from a later one that was given a recycled pid.
 */
public record ProcessIdentity(int pid, long startTime) {

    public static final long UNKNOWN_START_TIME = -1;

    private static final ProcessIdentity CURRENT = of(Math.toIntExact(ProcessHandle.current().pid()));

    public static ProcessIdentity current() {
        return CURRENT;
    }

    /** The identity of {@code pid} now, with {@link #UNKNOWN_START_TIME} when no such process is visible. */
    public static ProcessIdentity of(int pid) {
        return new ProcessIdentity(pid, startTimeOf(pid));
    }

    private static long startTimeOf(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[19]);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_START_TIME;
        }
    }
}
