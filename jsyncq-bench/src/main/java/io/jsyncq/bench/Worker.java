package io.jsyncq.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A worker JVM: reads one task per line on stdin ({@code key=value} words), runs it, answers one line on
 * stdout: {@code OK key=value ...} or {@code ERR message}; {@code PROGRESS text} lines may come before.
 * Ends when stdin closes (the orchestrator has gone). Libraries that print go to stderr, not to the protocol.
 *
 * <p>Arguments: run id, control file path.
 */
public final class Worker {

    private Worker() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        String run = args[0];
        try (Ctl ctl = Ctl.open(Path.of(args[1]));
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            JitWarmUp.run(run);
            protocol.println("READY");
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Task task = new Task(Task.parse(line), ctl, run);
                    Map<String, Double> result = Scenarios.run(task, text -> protocol.println("PROGRESS " + text));
                    protocol.println("OK " + Task.format(result));
                } catch (Throwable failure) {
                    failure.printStackTrace();
                    String message = String.valueOf(failure).replace('\n', ' ');
                    protocol.println("ERR " + message);
                }
            }
        }
        System.exit(0); // library threads (Aeron, Chronicle) must not keep the JVM alive
    }
}
