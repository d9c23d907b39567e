package io.jsyncq.bench;

/**
 * Who writes and who reads in a task: channel {@code c} goes from rank {@code writers[c]} to the ranks
 * {@code readers[c]}. Every rank writes at most one channel and reads at most one.
 */
record Topology(int[] writers, int[][] readers) {

    /** 0 → 1 and 1 → 0. */
    static Topology pingPong() {
        return new Topology(new int[] {0, 1}, new int[][] {{1}, {0}});
    }

    /** 0 → 1 .. n. */
    static Topology fanOut(int readers) {
        int[] to = new int[readers];
        for (int i = 0; i < readers; i++) {
            to[i] = i + 1;
        }
        return new Topology(new int[] {0}, new int[][] {to});
    }

    int channels() {
        return writers.length;
    }

    int parties() {
        int max = 0;
        for (int c = 0; c < channels(); c++) {
            max = Math.max(max, writers[c]);
            for (int r : readers[c]) {
                max = Math.max(max, r);
            }
        }
        return max + 1;
    }

    /** The channel {@code rank} writes, or -1. */
    int writes(int rank) {
        for (int c = 0; c < channels(); c++) {
            if (writers[c] == rank) {
                return c;
            }
        }
        return -1;
    }

    /** The channel {@code rank} reads, or -1. */
    int reads(int rank) {
        for (int c = 0; c < channels(); c++) {
            for (int r : readers[c]) {
                if (r == rank) {
                    return c;
                }
            }
        }
        return -1;
    }

    int readerCount(int channel) {
        return readers[channel].length;
    }
}
