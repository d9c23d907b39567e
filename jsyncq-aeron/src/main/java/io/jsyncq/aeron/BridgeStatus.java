package io.jsyncq.aeron;

import java.util.List;

/**
 * A snapshot of a running bridge.
 *
 * @param queue   the queue it bridges
 * @param listen  where it receives from its peers
 * @param sequencer    the sequencer bridge's endpoint ({@link Bridge.Builder#sequencer}; its own when it is the
 *                     sequencer), or null without one
 * @param relayed      messages read from the local queue and sent on (each once, to every peer)
 * @param backlogBytes bytes of messages kept for peers that have not taken them yet
 * @param peers   the peers it sends to, in the order given
 * @param origins the peer streams it has received from, oldest first
 */
public record BridgeStatus(String queue, Endpoint listen, Endpoint sequencer, long relayed, long backlogBytes, List<PeerStatus> peers,
                           List<OriginStatus> origins) {

    /**
     * Messages that some peer did not get, summed over the peers.
     *
     * @return the sum of {@link PeerStatus#undelivered()}
     */
    public long undelivered() {
        return peers.stream().mapToLong(PeerStatus::undelivered).sum();
    }
}
