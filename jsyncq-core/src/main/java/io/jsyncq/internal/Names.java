package io.jsyncq.internal;

import io.jsyncq.InvalidNameException;

import java.nio.charset.StandardCharsets;

/** The rules for queue names, and for the sender and type names carried in every record. */
public final class Names {

    public static final int MAX_QUEUE_NAME_LENGTH = 200;

    private Names() {
    }

    /**
     * A queue name becomes a file name, so it is checked before any file is touched: 1 to 200 characters of
     * {@code [A-Za-z0-9._-]}, not starting with a dot (which also rules out {@code .} and {@code ..}).
     */
    public static String requireValidQueueName(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidNameException("a queue name must not be empty; use 1 to "
                    + MAX_QUEUE_NAME_LENGTH + " characters of A-Z a-z 0-9 . _ -");
        }
        if (name.length() > MAX_QUEUE_NAME_LENGTH) {
            throw new InvalidNameException("queue name is " + name.length() + " characters long; the limit is "
                    + MAX_QUEUE_NAME_LENGTH);
        }
        if (name.charAt(0) == '.') {
            throw new InvalidNameException("queue name '" + printable(name) + "' starts with a dot; names "
                    + "that start with a dot are reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!allowed) {
                throw new InvalidNameException("queue name '" + printable(name) + "' contains "
                        + describe(c) + " at index " + i + "; use only A-Z a-z 0-9 . _ -");
            }
        }
        return name;
    }

    /** Sender and type names: any text whose UTF-8 form has at most 255 bytes. */
    public static byte[] encodeRecordName(String what, String name) {
        if (name == null) {
            throw new InvalidNameException(what + " must not be null; use \"\" for none");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > RecordLayout.MAX_NAME_BYTES) {
            throw new InvalidNameException(what + " is " + bytes.length + " bytes in UTF-8; the limit is "
                    + RecordLayout.MAX_NAME_BYTES);
        }
        return bytes;
    }

    private static String describe(char c) {
        if (c < 0x20 || c == 0x7f) {
            return String.format("the control character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(60).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return name.length() > 60 ? out + "..." : out.toString();
    }
}
