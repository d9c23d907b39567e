package io.jsyncq.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing and printing sizes ({@code 64k}, {@code 1m}) and durations ({@code 500ms}, {@code 2s}, {@code 1m}).
 * The benchmarks' report prints sizes with {@link #bytes} too.
 */
public final class Units {

    static final long MIN_QUEUE_SIZE = 4096;
    static final long MAX_QUEUE_SIZE = 1L << 30;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,13})\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,9})?)\\s*(ns|us|µs|ms|s|m|min|h)?",
            Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** A queue size: a power of two from 4k to 1g. */
    static final class QueueSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long bytes = parseSize(value);
            if (bytes < MIN_QUEUE_SIZE || bytes > MAX_QUEUE_SIZE || Long.bitCount(bytes) != 1) {
                throw new TypeConversionException("'" + value + "' is not a queue size: use a power of two from 4k to 1g,"
                        + " such as 64k or 1m");
            }
            return bytes;
        }
    }

    /** A duration: a number with a unit (ns, us, ms, s, m, h); a bare number is seconds. */
    static final class DurationValue implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    static long parseSize(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size: write bytes, or a number with k, m or g,"
                    + " such as 64k or 1m");
        }
        long number = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (number > (Long.MAX_VALUE >> shift)) {
            throw new TypeConversionException("'" + value + "' is too large");
        }
        return number << shift;
    }

    static Duration parseDuration(String value) {
        String text = value.trim();
        if (text.startsWith("P") || text.startsWith("p")) {
            try {
                Duration iso = Duration.parse(text);
                if (!iso.isNegative()) {
                    return iso;
                }
            } catch (RuntimeException ignored) {
                // fall through to the error below
            }
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration: write a number with a unit,"
                    + " such as 500ms, 2s or 1m");
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        long nanosPerUnit = switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalStateException(unit);
        };
        BigDecimal nanos = number.multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new TypeConversionException("'" + value + "' is too long");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /**
     * A number of bytes for people: 65536 → "64 KiB"; 1536 → "1.5 KiB"; 100 → "100 B".
     *
     * @param bytes a count of bytes, not negative
     * @return the count in the largest binary unit that keeps it at least 1, with up to three digits
     */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f", value))
                + " " + units[unit];
    }

    /** A queue size as it is typed: 65536 → "64k". */
    static String size(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }

    static String duration(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }

    /** A rate with a thousands-friendly precision: 0.5, 12.3, 4567. */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "?";
        }
        if (perSecond < 10) {
            return String.format(Locale.ROOT, "%.1f", perSecond);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }
}
