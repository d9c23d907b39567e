package io.jsyncq.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The corrupt-file fuzz driver, a program run in a child JVM by {@link CorruptFileFuzzTest} so that a JVM
 * crash or a hang shows as a failed case, not as a dead test fork.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx256m -cp TEST_CLASSPATH io.jsyncq.fuzz.CorruptFileFuzzer \
 *      --seed S --from N --count K [--case-limit-ms 10000] [--only KIND]
 * </pre>
 *
 * Runs cases {@code N .. N+K-1} of seed {@code S} ({@code --only}: just those whose damage is of one
 * {@link Corruptor.Kind}); each case is fully determined by the seed and its number, so
 * {@code --from N --count 1} reproduces case N alone. Prints, one line each, to stdout:
 *
 * <pre>
 * BEGIN case kind               before a case starts
 * CORRUPT case what; what; ...  the damage done, once done
 * END case OK                   no exception: every message read was well formed
 * END case EXC Name,Name        jsyncq exceptions only (simple class names, in order)
 * END case FAIL Name,...        anything else: a FAILURE block precedes it
 * FAILURE ... END-FAILURE       the seed, case, kind, operation, damage, scenario and stack trace
 * HANG ...                      the watchdog's report (then the JVM halts with {@link #EXIT_HANG})
 * SUMMARY cases=.. ok=.. exception-cases=.. failures=.. oom=.. seconds=..
 * </pre>
 *
 * Exits with 0 when no case failed, {@link #EXIT_FAILURES} when some did, {@link #EXIT_HANG} when a case
 * ran past its wall-clock limit. Every file it makes in {@code /dev/shm} is named {@code jsyncq-fuzz-PID-*}
 * and removed, even on failure; what a crashed run leaves is removed by the test, and by the next run.
 */
public final class CorruptFileFuzzer {

    public static final int EXIT_OK = 0;
    /** Not 1: an exception escaping {@code main} exits with 1, and counts as a crash. */
    public static final int EXIT_FAILURES = 10;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_HANG = 11;

    private static final PrintStream OUT = System.out;
    /** Held for good by the watchdog once it reports a hang, so that nothing is printed after its report. */
    private static final Object PRINT_LOCK = new Object();

    private CorruptFileFuzzer() {
    }

    public static void main(String[] args) {
        long seed = 0;
        int from = 0;
        int count = 1;
        long caseLimitMillis = 10_000;
        Corruptor.Kind only = null;
        try {
            for (int i = 0; i < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--seed" -> seed = Long.decode(value);
                    case "--from" -> from = Integer.parseInt(value);
                    case "--count" -> count = Integer.parseInt(value);
                    case "--case-limit-ms" -> caseLimitMillis = Long.parseLong(value);
                    case "--only" -> only = Corruptor.Kind.valueOf(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("usage: CorruptFileFuzzer --seed S --from N --count K [--case-limit-ms MS] [--only KIND]: " + e);
            System.exit(EXIT_USAGE);
        }

        long pid = ProcessHandle.current().pid();
        Watchdog watchdog = new Watchdog(seed, caseLimitMillis * 1_000_000L);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> sweep(pid)));
        sweepDeadRuns();
        watchdog.start();

        long start = System.nanoTime();
        int ok = 0;
        int failed = 0;
        int oom = 0;
        Map<String, Integer> exceptionCases = new TreeMap<>();
        int ran = 0;
        for (int index = from; index < from + count; index++) {
            FuzzCase fuzzCase = new FuzzCase(seed, index, pid);
            if (only != null && fuzzCase.kind != only) {
                continue;
            }
            ran++;
            print("BEGIN " + index + " " + fuzzCase.kind);
            watchdog.watch(fuzzCase);
            fuzzCase.run(() -> print("CORRUPT " + fuzzCase.index + " " + String.join("; ", fuzzCase.corruption)));
            watchdog.watch(null);
            for (FuzzCase.Failure failure : fuzzCase.failures) {
                print(report("FAILURE", fuzzCase, failure));
            }
            if (!fuzzCase.failures.isEmpty()) {
                failed++;
                if (fuzzCase.failures.stream().anyMatch(FuzzCase.Failure::isOutOfMemory)) {
                    oom++;
                }
                print("END " + index + " FAIL " + String.join(",", fuzzCase.failures.stream()
                        .map(f -> f.thrown() == null ? "no-exception" : f.thrown().getClass().getName()).toList()));
            } else if (fuzzCase.exceptions.isEmpty()) {
                ok++;
                print("END " + index + " OK " + fuzzCase.messagesRead + "/" + fuzzCase.messagesIntact);
            } else {
                fuzzCase.exceptions.stream().distinct().forEach(name -> exceptionCases.merge(name, 1, Integer::sum));
                print("END " + index + " EXC " + String.join(",", fuzzCase.exceptions) + " "
                        + fuzzCase.messagesRead + "/" + fuzzCase.messagesIntact);
            }
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        print("SUMMARY seed=" + seed + " from=" + from + " cases=" + ran + " ok=" + ok
                + " exception-cases=" + exceptionCases + " failures=" + failed + " oom=" + oom + " seconds=" + seconds);
        OUT.flush();
        System.exit(failed == 0 ? EXIT_OK : EXIT_FAILURES);
    }

    private static void print(String line) {
        synchronized (PRINT_LOCK) {
            OUT.println(line);
        }
    }

    static String report(String what, FuzzCase c, FuzzCase.Failure failure) {
        StringBuilder text = new StringBuilder();
        text.append(what).append(" seed=").append(c.seed).append(" case=").append(c.index).append(" kind=")
                .append(c.kind).append(" op=").append(failure == null ? c.currentOp : failure.op()).append(": ")
                .append(failure == null ? "" : failure.description());
        if (failure != null && failure.thrown() != null) {
            text.append(": ").append(failure.thrown());
        }
        text.append("\n  scenario: ").append(c.scenario());
        text.append("\n  damage: ").append(String.join("; ", c.corruption));
        text.append("\n  reproduce: CorruptFileFuzzer --seed ").append(c.seed).append(" --from ").append(c.index)
                .append(" --count 1");
        if (failure != null && failure.thrown() != null) {
            text.append("\n  ").append(FuzzCase.stackTrace(failure.thrown()).strip().replace("\n", "\n  "));
        }
        if (failure != null) {
            text.append("\nEND-FAILURE");
        }
        return text.toString();
    }

    /** Removes whatever this process left in /dev/shm. */
    static void sweep(long pid) {
        String mine = FuzzCase.PREFIX + pid + "-";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FuzzCase.SHM)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(mine) || name.startsWith(".jsyncq-creating-" + mine) || name.startsWith("." + mine)) {
                    FuzzCase.deleteQuietly(entry);
                }
            }
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }

    /** Removes what fuzz runs that died (killed, crashed, halted mid-case) left in /dev/shm. */
    static void sweepDeadRuns() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FuzzCase.SHM, "*" + FuzzCase.PREFIX + "*")) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String rest = name.substring(name.indexOf(FuzzCase.PREFIX) + FuzzCase.PREFIX.length());
                int dash = rest.indexOf('-');
                try {
                    long owner = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                    if (ProcessHandle.of(owner).isEmpty()) {
                        FuzzCase.deleteQuietly(entry);
                    }
                } catch (NumberFormatException notOurs) {
                    // not named by a fuzz run
                }
            }
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }

    /**
     * Halts the JVM, after a report and a thread dump, when a case runs past its wall-clock limit: a hang
     * that no timeout of the queue's own ended.
     */
    private static final class Watchdog extends Thread {
        private final long seed;
        private final long limitNanos;
        private volatile FuzzCase current;
        private volatile long startedAt;

        Watchdog(long seed, long limitNanos) {
            super("fuzz-watchdog");
            setDaemon(true);
            this.seed = seed;
            this.limitNanos = limitNanos;
        }

        void watch(FuzzCase fuzzCase) {
            startedAt = System.nanoTime();
            current = fuzzCase;
        }

        @Override
        public void run() {
            while (true) {
                LockSupport.parkNanos(100_000_000L);
                FuzzCase c = current;
                if (c != null && System.nanoTime() - startedAt > limitNanos) {
                    synchronized (PRINT_LOCK) {
                        reportAndHalt(c);
                    }
                }
            }
        }

        private void reportAndHalt(FuzzCase c) {
            StringBuilder dump = new StringBuilder(report("HANG", c, null));
            dump.append("\n  seed ").append(seed).append(": case ran longer than ")
                    .append(limitNanos / 1_000_000).append(" ms; threads:");
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                dump.append("\n  \"").append(thread.getName()).append("\" ").append(thread.getState());
                for (StackTraceElement frame : stack) {
                    dump.append("\n      at ").append(frame);
                }
            });
            print(dump.toString());
            print("END " + c.index + " FAIL hang");
            OUT.flush();
            c.cleanUp();
            sweep(ProcessHandle.current().pid());
            Runtime.getRuntime().halt(EXIT_HANG);
        }
    }
}
