package io.jsyncq.aeron;

/**
 * What a bridge knows of one peer it sends to.
 *
 * @param endpoint                 where the peer listens
 * @param state                    {@code waiting} (never connected yet), {@code connected}, or {@code cut_off}
 *                                 (unreachable beyond the peer timeout: messages for it are counted, not sent)
 * @param sent                     messages handed to the stream to this peer (again after a restart of either)
 * @param acknowledged             the origin sequence of the newest message the peer has appended to its queue
 * @param undelivered              messages this peer never got from this bridge run: read while it was cut
 *                                 off, or too large for the stream
 * @param firstUndeliveredSequence the origin sequence of the first of those (0 if none)
 * @param lastUndeliveredSequence  the origin sequence of the last of those (0 if none)
 */
public record PeerStatus(Endpoint endpoint, String state, long sent, long acknowledged, long undelivered, long firstUndeliveredSequence,
                         long lastUndeliveredSequence) {
}
