package io.jsyncq.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The zero-copy path (append a MemorySegment, pop through a MessageView) allocates nothing per message:
 * a short JMH measurement with the GC profiler, in a forked JVM as JMH does it. The String path is measured
 * alongside to show that the profiler does see allocation when there is some.
 */
class ZeroAllocationTest {

    @Test
    void zeroCopyAppendAndPopAllocateNothing() throws Exception {
        List<JmhPhase.Figure> figures = JmhPhase.run("(zeroCopy|string)", new String[] {"32"}, 1, 3, 3, 300, true);

        assertThat(figures).extracting(JmhPhase.Figure::path).containsExactlyInAnyOrder("zeroCopy", "string");
        JmhPhase.Figure zeroCopy = figures.stream().filter(f -> f.path().equals("zeroCopy")).findFirst().orElseThrow();
        JmhPhase.Figure string = figures.stream().filter(f -> f.path().equals("string")).findFirst().orElseThrow();
        assertThat(zeroCopy.allocBytesPerOp()).as("gc.alloc.rate.norm of the zero-copy path, B/op").isLessThan(1.0);
        assertThat(string.allocBytesPerOp()).as("gc.alloc.rate.norm of the String path, B/op").isGreaterThan(32.0);
        assertThat(zeroCopy.nsPerOp()).isPositive();
    }
}
