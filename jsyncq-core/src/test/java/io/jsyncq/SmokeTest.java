package io.jsyncq;

import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void twoHandlesExchangeMessages() {
        String name = TestQueues.uniqueName("smoke");
        try (SyncQueue a = SyncQueue.builder(name).size(4096).sender("a").create();
             SyncQueue b = SyncQueue.builder(name).sender("b").open()) {
            for (int round = 0; round < 1000; round++) {
                a.append("greeting", "hello " + round);
                Message m = b.pop().orElseThrow();
                assertThat(m.sender()).isEqualTo("a");
                assertThat(m.type()).isEqualTo("greeting");
                assertThat(m.text()).isEqualTo("hello " + round);
                assertThat(a.pop()).isEmpty(); // a screens itself, consuming its own message
            }
            assertThat(b.pop(Duration.ofMillis(50))).isEmpty();
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }
}
