package io.jsyncq.bench;

import java.io.PrintStream;

/** One line per step on stderr: step count, time since the start, what runs, and then its headline figure. */
final class Progress {
    private final PrintStream out;
    private final int total;
    private final long start = System.nanoTime();
    private int step;
    private boolean open;

    Progress(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    synchronized void start(String label) {
        step++;
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        out.printf("[%3d/%3d %2d:%02d] %-58s", step, Math.max(step, total), seconds / 60, seconds % 60, label);
        out.flush();
        open = true;
    }

    /** A line of progress from inside a long step. */
    synchronized void note(String text) {
        if (open) {
            out.println();
            open = false;
        }
        out.println("                " + text);
    }

    synchronized void done(String text) {
        if (!open) {
            out.print("                ");
        }
        out.println(" " + text);
        open = false;
    }
}
