package io.jsyncq.cli;

/**
 * A small JSON writer: just what the command's {@code --json} outputs need, with correct string escaping.
 * The benchmarks' report writes its JSON with {@link #quoted} and {@link #number} too.
 */
public final class Json {

    private final StringBuilder out = new StringBuilder();
    private boolean needComma;

    Json() {
    }

    Json beginObject() {
        separator();
        out.append('{');
        needComma = false;
        return this;
    }

    Json endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    Json beginArray() {
        separator();
        out.append('[');
        needComma = false;
        return this;
    }

    Json endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    Json name(String name) {
        separator();
        quote(name);
        out.append(':');
        needComma = false;
        return this;
    }

    Json value(String value) {
        separator();
        if (value == null) {
            out.append("null");
        } else {
            quote(value);
        }
        needComma = true;
        return this;
    }

    Json value(long value) {
        separator();
        out.append(value);
        needComma = true;
        return this;
    }

    /** NaN and infinities, which JSON cannot hold, become null. */
    Json value(double value) {
        separator();
        out.append(number(value));
        needComma = true;
        return this;
    }

    Json value(boolean value) {
        separator();
        out.append(value);
        needComma = true;
        return this;
    }

    Json nullValue() {
        separator();
        out.append("null");
        needComma = true;
        return this;
    }

    Json field(String name, String value) {
        return name(name).value(value);
    }

    Json field(String name, long value) {
        return name(name).value(value);
    }

    Json field(String name, double value) {
        return name(name).value(value);
    }

    Json field(String name, boolean value) {
        return name(name).value(value);
    }

    private void separator() {
        if (needComma) {
            out.append(',');
            needComma = false;
        }
    }

    private void quote(String text) {
        out.append(quoted(text));
    }

    /**
     * A JSON string literal: quotes, backslash escapes, and six-character Unicode escapes for control
     * characters, the two line separators JavaScript rejects, and unpaired surrogates.
     *
     * @param text any string
     * @return {@code text} as a JSON string, quotes included
     */
    public static String quoted(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !isPairedSurrogate(text, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * A JSON number: whole values without a fraction, NaN and infinities (which JSON cannot hold) as null.
     *
     * @param value any double
     * @return the JSON text for {@code value}
     */
    public static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    private static boolean isPairedSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
