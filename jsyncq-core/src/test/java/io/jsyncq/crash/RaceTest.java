package io.jsyncq.crash;

import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Processes creating, attaching and closing one name at the same moment. */
class RaceTest {

    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void aProcessAttachingWhileTheLastClosesGetsALiveQueueOrAClearError() {
        String name = TestQueues.uniqueName("attach-race");
        try (ChildJvm cycler = ChildJvm.start(RaceChildren.CreateCloseLoop.class, name, "1000");
             ChildJvm attacher = ChildJvm.start(RaceChildren.AttachLoop.class, name, "2000")) {
            cycler.waitForSuccess(CHILD_TIMEOUT);
            attacher.waitForSuccess(CHILD_TIMEOUT);
            Matcher counts = Pattern.compile("attached (\\d+) absent (\\d+) orphaned (\\d+)").matcher(attacher.stdout());
            assertThat(counts.find()).as(attacher.stdout()).isTrue();
            assertThat(attacher.stdout()).doesNotContain("unexpected");
            assertThat(Integer.parseInt(counts.group(3))).as("registrations on a removed file").isZero();
            assertThat(Integer.parseInt(counts.group(1))).as("the race was exercised").isPositive();
        } finally {
            TestQueues.deleteIfLeft(name);
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    @Test
    void ofTwoProcessesCreatingOneNameAtOnceExactlyOneCreates() {
        String base = TestQueues.uniqueName("create-race");
        int rounds = 40;
        long start = System.currentTimeMillis() + 3000; // both JVMs are up by then
        try (ChildJvm first = ChildJvm.start(RaceChildren.CreateAtTheSameMoment.class, base, "" + rounds, "" + start);
             ChildJvm second = ChildJvm.start(RaceChildren.CreateAtTheSameMoment.class, base, "" + rounds, "" + start)) {
            first.waitForSuccess(CHILD_TIMEOUT);
            second.waitForSuccess(CHILD_TIMEOUT);
            List<String> a = first.stdoutLines();
            List<String> b = second.stdoutLines();
            assertThat(a).hasSize(rounds);
            assertThat(b).hasSize(rounds);
            for (int round = 0; round < rounds; round++) {
                assertThat(List.of(a.get(round), b.get(round)))
                        .containsExactlyInAnyOrder(round + " created", round + " exists");
            }
        } finally {
            for (int round = 0; round < rounds; round++) {
                TestQueues.deleteIfLeft(base + "-" + round);
            }
        }
    }
}
