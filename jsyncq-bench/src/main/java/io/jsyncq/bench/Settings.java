package io.jsyncq.bench;

import java.util.List;

/**
 * How long and how often each part of a run measures: the quick run (under two minutes on a quiet machine)
 * or the full one. Every measurement is bounded in time as well as in count, so that a machine that
 * pre-empts the benchmark makes the figures worse, not the run endless.
 */
record Settings(
        String name,
        int rounds,
        int pingWarmup, int pingSpinSamples, int pingBlockSamples, long pingMaxMillis, int rawSamples,
        long throughputWarmupMillis, long throughputMillis, long throughputMaxBytes,
        List<Mode> throughputModes, List<Integer> throughputSizes,
        long fanOutMillis,
        int echoWarmup, int echoSamples,
        long memcpyMillis,
        int jmhForks, int jmhWarmups, int jmhIterations, long jmhMillis) {

    static final int PING_SIZE = 32;
    static final int FAN_OUT_SIZE = 32;
    static final int FAN_OUT_READERS = 3;
    static final int ECHO_PROCESSES = 8;
    static final long PING_RING = 1 << 20;
    static final long THROUGHPUT_RING = 4 << 20;
    static final long ECHO_RING = 1 << 20;

    static Settings quick() {
        // Throughput and fan-out: 1 s of steady state after 0.5 s of warm-up in every round, in workers whose
        // JIT has already compiled every path in the warm-up round; the byte cap only stops a runaway.
        return new Settings("quick", 3,
                10_000, 30_000, 10_000, 1_500, 5_000,
                500, 1000, 32L << 30,
                List.of(Mode.BLOCK), List.of(32, 1024, 65536),
                1000,
                50, 200,
                40,
                1, 2, 3, 300);
    }

    static Settings full() {
        return new Settings("full", 5,
                50_000, 500_000, 100_000, 20_000, 50_000,
                500, 1500, 64L << 30,
                List.of(Mode.SPIN, Mode.BLOCK), List.of(32, 256, 1024, 4096, 16384, 65536),
                1000,
                500, 3000,
                300,
                2, 5, 5, 1000);
    }

    /** The unrecorded warm-up round before round 1: every contender's paths once, briefly, in every worker. */
    Settings warmUpRound() {
        return new Settings(name, rounds,
                pingWarmup / 2, 2_000, 1_000, 200, 1_000,
                200, 50, throughputMaxBytes, throughputModes, List.of(1024),
                50, echoWarmup, echoSamples, memcpyMillis, jmhForks, jmhWarmups, jmhIterations, jmhMillis);
    }

    Settings withRounds(int rounds) {
        return new Settings(name, rounds, pingWarmup, pingSpinSamples, pingBlockSamples, pingMaxMillis, rawSamples,
                throughputWarmupMillis, throughputMillis, throughputMaxBytes, throughputModes, throughputSizes,
                fanOutMillis, echoWarmup, echoSamples, memcpyMillis, jmhForks, jmhWarmups, jmhIterations, jmhMillis);
    }

    Settings withThroughputModes(List<Mode> modes) {
        return new Settings(name, rounds, pingWarmup, pingSpinSamples, pingBlockSamples, pingMaxMillis, rawSamples,
                throughputWarmupMillis, throughputMillis, throughputMaxBytes, modes, throughputSizes,
                fanOutMillis, echoWarmup, echoSamples, memcpyMillis, jmhForks, jmhWarmups, jmhIterations, jmhMillis);
    }

    /** Body sizes of pysyncq's benchmark shape: 2 B to 64 KiB in powers of two. */
    static List<Integer> echoSizes() {
        return java.util.stream.IntStream.rangeClosed(1, 16).map(i -> 1 << i).boxed().toList();
    }
}
