package io.jsyncq.fuzz;

import io.jsyncq.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 3 §4: queue files corrupted at random (headers, reader table, marks, records, truncated and
 * extended files, files that are not queues, other layout versions) are attached to and read; each must
 * give a jsyncq exception or well-formed messages, with no JVM crash, no hang past the timeout and no
 * {@code OutOfMemoryError}.
 *
 * <p>The cases run in a child JVM ({@link CorruptFileFuzzer}, {@code -Xmx256m}), so a crash or a hang is a
 * failed case with its seed, number and damage, not a dead test fork; the run then goes on from the next
 * case in a new child. The default suite runs {@value #DEFAULT_CASES} cases of a fixed seed (well under a
 * minute). The large run is:
 *
 * <pre>
 * bin/test -pl jsyncq-core -Pfuzz                                   # 10,000 cases, seed below
 * bin/test -pl jsyncq-core -Pfuzz -Djsyncq.fuzz.cases=50000 -Djsyncq.fuzz.seed=7
 * </pre>
 *
 * The {@code fuzz} profile (jsyncq-core/pom.xml) runs only this test with {@code jsyncq.fuzz.cases=10000}.
 * The summary is printed and written to {@code jsyncq-core/target/fuzz/corrupt-file-fuzz.txt}. One case
 * is reproduced alone with {@code CorruptFileFuzzer --seed S --from N --count 1} (see its Javadoc).
 */
class CorruptFileFuzzTest {

    static final long DEFAULT_SEED = 20_250_301L;
    static final int DEFAULT_CASES = 300;
    /** After this many crashed or hung children the run stops: something is badly wrong. */
    private static final int MAX_RESTARTS = 100;

    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    @Test
    void corruptQueueFilesGiveJsyncqExceptionsOrValidMessagesWithoutCrashesHangsOrOutOfMemory() throws IOException {
        long seed = Long.decode(System.getProperty("jsyncq.fuzz.seed", Long.toString(DEFAULT_SEED)));
        int cases = Integer.getInteger("jsyncq.fuzz.cases", DEFAULT_CASES);
        Tally tally = new Tally();
        long start = System.nanoTime();
        int next = 0;
        int restarts = 0;
        while (next < cases) {
            if (restarts > MAX_RESTARTS) {
                tally.problems.add("stopped after " + MAX_RESTARTS + " crashed or hung fuzz JVMs; cases "
                        + next + ".." + (cases - 1) + " did not run");
                break;
            }
            int remaining = cases - next;
            List<String> options = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-XX:ErrorFile=" + TMP.resolve("jsyncq-fuzz-hs_err_pid%p.log"), "-XX:-CreateCoredumpOnCrash");
            try (ChildJvm child = ChildJvm.start(options, CorruptFileFuzzer.class, "--seed", Long.toString(seed),
                    "--from", Integer.toString(next), "--count", Integer.toString(remaining))) {
                int exit;
                try {
                    exit = child.waitFor(Duration.ofSeconds(120 + remaining / 2));
                } catch (AssertionError tooLong) {
                    tally.absorb(child.stdoutLines());
                    tally.problems.add("the fuzz JVM neither finished nor was stopped by its watchdog: "
                            + tooLong.getMessage());
                    CorruptFileFuzzer.sweep(child.pid());
                    break;
                }
                List<String> lines = child.stdoutLines();
                int unfinished = tally.absorb(lines);
                CorruptFileFuzzer.sweep(child.pid());
                if (exit == CorruptFileFuzzer.EXIT_OK || exit == CorruptFileFuzzer.EXIT_FAILURES) {
                    if (lines.stream().noneMatch(line -> line.startsWith("SUMMARY "))) {
                        tally.problems.add("the fuzz JVM exited with " + exit + " but printed no summary:\n"
                                + tail(child.stderr()));
                    }
                    break;
                }
                if (exit == CorruptFileFuzzer.EXIT_HANG) {
                    // The watchdog printed the hang and ended the case ("END n FAIL hang"), counted by absorb.
                    next = (unfinished >= 0 ? unfinished : tally.lastBegun) + 1;
                } else {
                    // A JVM crash (SIGSEGV, SIGBUS...): the case that began and never ended is the culprit.
                    int culprit = unfinished >= 0 ? unfinished : tally.lastBegun;
                    tally.crashes++;
                    tally.cases++;
                    tally.failed++;
                    tally.problems.add("CRASH seed=" + seed + " case=" + culprit + " kind="
                            + tally.kinds.get(culprit) + ": the fuzz JVM exited with " + exit
                            + "\n  damage: " + tally.damage.getOrDefault(culprit, "(not reached)")
                            + "\n  reproduce: CorruptFileFuzzer --seed " + seed + " --from " + culprit + " --count 1"
                            + "\n  stderr:\n" + tail(child.stderr()) + crashLog(child.pid()));
                    next = culprit + 1;
                }
                restarts++;
            }
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        String summary = tally.summary(seed, cases, seconds, restarts);
        System.out.println(summary);
        Path reportDirectory = Path.of(System.getProperty("basedir", "."), "target", "fuzz");
        Files.createDirectories(reportDirectory);
        Files.writeString(reportDirectory.resolve("corrupt-file-fuzz.txt"), summary, StandardCharsets.UTF_8);

        if (!tally.problems.isEmpty()) {
            fail("the corrupt-file fuzz run found failures:\n" + summary);
        }
        assertThat(tally.cases).as(summary).isEqualTo(cases);
        assertThat(tally.ok + tally.exceptionCases).as(summary).isEqualTo(cases);
    }

    /** The head of the JVM's crash log: the signal, the problematic frame and the stacks, without registers. */
    private static String crashLog(long pid) {
        Path log = TMP.resolve("jsyncq-fuzz-hs_err_pid" + pid + ".log");
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> head = new ArrayList<>();
            boolean skipping = false;
            for (String line : lines) {
                if (line.startsWith("Registers:") || line.startsWith("---------------  P R O C E S S")) {
                    skipping = true;
                } else if (line.startsWith("Native frames:") || line.startsWith("Java frames:")) {
                    skipping = false;
                }
                if (!skipping && head.size() < 80) {
                    head.add(line);
                }
            }
            return "\n  " + log + ":\n    " + String.join("\n    ", head);
        } catch (IOException e) {
            return "\n  (no " + log + ")";
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    /** The figures of a run, read from the children's output. */
    private static final class Tally {
        int cases;
        int ok;
        int exceptionCases;
        int failed;
        int crashes;
        int hangs;
        int oom;
        long messagesRead;
        long messagesIntact;
        int lastBegun = -1;
        final Map<String, Integer> casesByException = new TreeMap<>();
        final Map<String, int[]> byKind = new TreeMap<>(); // cases, ok, exception, failed
        final Map<Integer, String> kinds = new LinkedHashMap<>();
        final Map<Integer, String> damage = new LinkedHashMap<>();
        final List<String> problems = new ArrayList<>();

        /** @return the case that began and did not end in this output, or -1 */
        int absorb(List<String> lines) {
            int unfinished = -1;
            StringBuilder block = null;
            for (String line : lines) {
                if (block != null) {
                    if (line.equals("END-FAILURE")) {
                        problems.add(block.toString());
                        block = null;
                    } else if (line.startsWith("END ") && line.endsWith(" FAIL hang")) {
                        problems.add(block.toString());
                        block = null;
                        endCase(line);
                        unfinished = -1;
                    } else {
                        block.append('\n').append(line);
                    }
                    continue;
                }
                if (line.startsWith("FAILURE ") || line.startsWith("HANG ")) {
                    block = new StringBuilder(line);
                } else if (line.startsWith("BEGIN ")) {
                    String[] parts = line.split(" ");
                    lastBegun = Integer.parseInt(parts[1]);
                    unfinished = lastBegun;
                    kinds.put(lastBegun, parts[2]);
                } else if (line.startsWith("CORRUPT ")) {
                    int space = line.indexOf(' ', 8);
                    damage.put(Integer.parseInt(line.substring(8, space)), line.substring(space + 1));
                } else if (line.startsWith("END ")) {
                    endCase(line);
                    unfinished = -1;
                }
            }
            if (block != null) {
                problems.add(block.toString());
            }
            return unfinished;
        }

        private void endCase(String line) {
            String[] parts = line.split(" ");
            int index = Integer.parseInt(parts[1]);
            int[] kind = byKind.computeIfAbsent(kinds.getOrDefault(index, "?"), k -> new int[4]);
            cases++;
            kind[0]++;
            switch (parts[2]) {
                case "OK" -> {
                    ok++;
                    kind[1]++;
                    countMessages(parts[3]);
                }
                case "EXC" -> {
                    exceptionCases++;
                    kind[2]++;
                    List.of(parts[3].split(",")).stream().distinct()
                            .forEach(name -> casesByException.merge(name, 1, Integer::sum));
                    countMessages(parts[4]);
                }
                default -> {
                    failed++;
                    kind[3]++;
                    if (line.contains("OutOfMemoryError")) {
                        oom++;
                    }
                    if (line.endsWith(" hang")) {
                        hangs++;
                    }
                }
            }
        }

        private static final int REPORTS_PER_SIGNATURE = 3;
        private static final Pattern THROWN = Pattern.compile("(?:not a jsyncq exception|a valid queue threw): ([\\w.$]+)");
        private static final Pattern OUR_FRAME = Pattern.compile("^\\s+at (?:app//)?(io\\.jsyncq\\.(?!fuzz\\.)\\S+)");
        private static final Pattern CASE = Pattern.compile(" case=(\\d+) ");

        /** What failed and where in jsyncq: the exception (or hang, crash, slowness) and the first jsyncq frame. */
        static String signature(String report) {
            String first = report.lines().findFirst().orElse("");
            String op = first.replaceAll(".* op=([^:]*):.*", "$1").replaceAll("\\d+", "");
            List<String> lines = report.lines().toList();
            String what;
            Matcher thrown = THROWN.matcher(first);
            if (first.startsWith("HANG ")) {
                // Where a hang spins varies from dump to dump; the jsyncq call it never returned from does not.
                int main = indexOf(lines, "\"main\" ");
                List<String> stack = new ArrayList<>();
                for (int i = main + 1; main >= 0 && i < lines.size() && !lines.get(i).startsWith("  \""); i++) {
                    stack.add(lines.get(i)); // the main thread's frames, up to the next thread
                }
                String outermost = stack.stream().map(OUR_FRAME::matcher).filter(Matcher::find)
                        .map(m -> m.group(1).replaceAll("\\(.*", "")).reduce((a, b) -> b).orElse("");
                return "hang in " + op + (outermost.isEmpty() ? "" : " at " + outermost);
            } else if (first.startsWith("CRASH ")) {
                int problematic = indexOf(lines, "# Problematic frame:");
                what = "JVM crash" + (problematic >= 0 && problematic + 1 < lines.size()
                        ? " " + lines.get(problematic + 1).strip() : "");
            } else if (thrown.find()) {
                what = thrown.group(1);
            } else {
                what = op + ": " + first.replaceAll(".* op=[^:]*: ", "").replaceAll("\\d+", "N");
            }
            String frame = lines.stream().map(OUR_FRAME::matcher).filter(Matcher::find).map(m -> m.group(1))
                    .findFirst().orElse("");
            return frame.isEmpty() ? what : what + " at " + frame;
        }

        private static int indexOf(List<String> lines, String start) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().startsWith(start)) {
                    return i;
                }
            }
            return -1;
        }

        static String caseOf(String report) {
            Matcher matcher = CASE.matcher(report);
            return matcher.find() ? matcher.group(1) : "?";
        }

        private void countMessages(String readSlashIntact) {
            String[] counts = readSlashIntact.split("/");
            messagesRead += Long.parseLong(counts[0]);
            messagesIntact += Long.parseLong(counts[1]);
        }

        String summary(long seed, int requested, long seconds, int restarts) {
            StringBuilder text = new StringBuilder();
            text.append("corrupt-file fuzz: seed=").append(seed).append(" cases=").append(cases).append('/')
                    .append(requested).append(" ok=").append(ok).append(" jsyncq-exception=").append(exceptionCases)
                    .append(" failed=").append(failed).append(" (crashes=").append(crashes).append(" hangs=")
                    .append(hangs).append(" oom=").append(oom).append(") seconds=").append(seconds)
                    .append(" child-restarts=").append(restarts);
            text.append("\n  cases by jsyncq exception: ").append(casesByException);
            text.append("\n  messages read=").append(messagesRead).append(" (").append(messagesIntact)
                    .append(" exactly as appended, the rest well formed but altered by the damage)");
            text.append("\n  by kind (cases/ok/exception/failed):");
            byKind.forEach((kind, n) -> text.append("\n    ").append(kind).append(' ').append(n[0]).append('/')
                    .append(n[1]).append('/').append(n[2]).append('/').append(n[3]));
            if (problems.isEmpty()) {
                return text.toString();
            }
            // The same defect usually fails many cases: list each once, then show its first reports in full.
            Map<String, List<String>> bySignature = new LinkedHashMap<>();
            for (String problem : problems) {
                bySignature.computeIfAbsent(signature(problem), k -> new ArrayList<>()).add(problem);
            }
            text.append("\n  distinct failures (").append(bySignature.size()).append("):");
            bySignature.forEach((signature, reports) -> text.append("\n    ").append(reports.size()).append(" x ")
                    .append(signature).append("  cases ").append(reports.stream().map(Tally::caseOf).limit(20).toList()));
            bySignature.forEach((signature, reports) -> {
                for (String report : reports.subList(0, Math.min(reports.size(), REPORTS_PER_SIGNATURE))) {
                    text.append("\n").append(report);
                }
            });
            return text.toString();
        }
    }
}
