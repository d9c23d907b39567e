package io.jsyncq.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsAndJsonTest {

    @Test
    void sizes() {
        Units.QueueSize size = new Units.QueueSize();
        assertThat(size.convert("4k")).isEqualTo(4096);
        assertThat(size.convert("64K")).isEqualTo(65536);
        assertThat(size.convert("1m")).isEqualTo(1 << 20);
        assertThat(size.convert("1MiB")).isEqualTo(1 << 20);
        assertThat(size.convert("1g")).isEqualTo(1 << 30);
        assertThat(size.convert("8192")).isEqualTo(8192);
        for (String bad : new String[] {"3k", "2g", "1k", "96k", "", "k", "1.5m", "-4k", "99999999999999g"}) {
            assertThatThrownBy(() -> size.convert(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
        assertThat(Units.size(65536)).isEqualTo("64k");
        assertThat(Units.size(1 << 20)).isEqualTo("1m");
        assertThat(Units.bytes(1536)).isEqualTo("1.50 KiB");
        assertThat(Units.bytes(100)).isEqualTo("100 B");
    }

    @Test
    void durations() {
        assertThat(Units.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Units.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Units.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Units.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Units.parseDuration("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Units.parseDuration("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Units.parseDuration("PT2S")).isEqualTo(Duration.ofSeconds(2));
        for (String bad : new String[] {"", "soon", "-1s", "2 weeks", "1e3s"}) {
            assertThatThrownBy(() -> Units.parseDuration(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
    }

    @Test
    void jsonEscapesEverythingItMust() {
        String json = new Json().beginObject().field("a", "q\"b\\n\n\t\u0001\u2028").field("n", 3)
                .field("x", Double.NaN).field("t", true).name("list").beginArray().value("x").value(2L).endArray()
                .endObject().toString();
        assertThat(json).isEqualTo("{\"a\":\"q\\\"b\\\\n\\n\\t\\u0001\\u2028\",\"n\":3,\"x\":null,\"t\":true,"
                + "\"list\":[\"x\",2]}");
    }
}
