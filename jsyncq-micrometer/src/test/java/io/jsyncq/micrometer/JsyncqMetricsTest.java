package io.jsyncq.micrometer;

import io.jsyncq.QueueMonitor;
import io.jsyncq.SyncQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class JsyncqMetricsTest {

    private final String name = "jsyncq-test-metrics-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());

    @Test
    void theQueuesFiguresAreMetersTaggedWithItsName() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").writeOnly().create();
             SyncQueue reader = SyncQueue.builder(name).sender("r").open();
             JsyncqMetrics metrics = new JsyncqMetrics(QueueMonitor.open(name), Duration.ZERO)) {
            metrics.bindTo(registry);
            for (int i = 0; i < 10; i++) {
                writer.append("t", "message " + i); // one 64-byte record each
            }
            reader.pop();
            reader.pop();

            assertThat(registry.get("jsyncq.queue.capacity").tag("queue", name).gauge().value()).isEqualTo(4096);
            assertThat(registry.get("jsyncq.queue.used").gauge().value()).isEqualTo(8 * 64);
            assertThat(registry.get("jsyncq.queue.free").gauge().value()).isEqualTo(4096 - 8 * 64);
            assertThat(registry.get("jsyncq.queue.registrations").gauge().value()).isEqualTo(2);
            assertThat(registry.get("jsyncq.queue.readers.live").gauge().value()).isEqualTo(2);
            assertThat(registry.get("jsyncq.queue.appended").functionCounter().count()).isEqualTo(10 * 64);
            assertThat(registry.get("jsyncq.queue.readers.reclaimed").functionCounter().count()).isZero();
            assertThat(registry.get("jsyncq.queue.holes.repaired").functionCounter().count()).isZero();
            assertThat(registry.get("jsyncq.reader.lag").tag("sender", "r").gauge().value()).isEqualTo(8 * 64);
            assertThat(registry.find("jsyncq.reader.lag").tag("sender", "w").gauge())
                    .as("a write-only registration holds nothing: no lag row").isNull();

            reader.stream().count();
            assertThat(registry.get("jsyncq.queue.used").gauge().value()).isZero();
            assertThat(registry.get("jsyncq.reader.lag").tag("sender", "r").gauge().value()).isZero();
        }
    }
}
