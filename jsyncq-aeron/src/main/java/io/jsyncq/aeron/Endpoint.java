package io.jsyncq.aeron;

import java.util.Objects;

/**
 * A UDP endpoint, {@code host:port}: where a bridge listens, or where a peer bridge listens.
 *
 * @param host a host name or an IP address (IPv6 in brackets when written with its port)
 * @param port a UDP port, 1 to 65535
 */
public record Endpoint(String host, int port) {

    /**
     * Checks the parts.
     *
     * @param host a host name or an IP address
     * @param port a UDP port, 1 to 65535
     */
    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("an endpoint needs a host: HOST:PORT, such as 10.0.0.2:40123");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " of " + host + " is not a UDP port (1 to 65535)");
        }
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port}.
     *
     * @param text the endpoint as written on a command line
     * @return the endpoint
     * @throws IllegalArgumentException if it is not {@code HOST:PORT}
     */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "endpoint");
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (such as 10.0.0.2:40123)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': write an IPv6 address in brackets, [::1]:40123");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("'" + text + "': the port must be a number from 1 to 65535");
        }
        return new Endpoint(host, port);
    }

    /** The Aeron UDP channel whose endpoint this is. */
    String channel() {
        return "aeron:udp?endpoint=" + this;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
