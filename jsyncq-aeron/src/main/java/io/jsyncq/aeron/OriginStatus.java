package io.jsyncq.aeron;

/**
 * What a bridge has received from one peer's stream (one run of the origin bridge).
 *
 * @param source        the sending peer's address, as the network shows it
 * @param connected     whether the stream is live now
 * @param appended      messages appended to the local queue
 * @param lastSequence  the origin sequence of the last message received
 * @param missing       origin sequences skipped: messages the origin did not deliver to this host (its log
 *                      and its status say why)
 * @param notAppended   messages received but not appended here: too large for the local queue, damaged,
 *                      or arriving while this bridge stopped
 */
public record OriginStatus(String source, boolean connected, long appended, long lastSequence, long missing,
                           long notAppended) {
}
