package io.jsyncq.aeron;

/**
 * What a bridge has received from one origin: another host's outbox, as long as that outbox lasts (across
 * restarts of its bridge).
 *
 * @param origin         the origin's id, in hexadecimal
 * @param source         the sending peer's address, as the network shows it, for its latest stream
 * @param connected      whether that stream is live now
 * @param appended       messages appended to the local queue by this bridge run
 * @param newestSequence the origin sequence of the newest message appended (or known not to come)
 * @param missing        origin sequences announced as not coming: messages the origin did not deliver to
 *                       this host (its log and its status say why)
 * @param duplicates     frames received and not appended because this host had them already, or was owed
 *                       earlier ones first (the origin sends those again)
 * @param notAppended    messages received but never appended here: too large for the local queue, or damaged
 */
public record OriginStatus(String origin, String source, boolean connected, long appended, long newestSequence,
                           long missing, long duplicates, long notAppended) {
}
