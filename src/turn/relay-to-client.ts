/**
 * RFC 8656 §11.3 and §12.6: a datagram from a peer reaches the client only if the allocation
 * has a permission for the peer's IP — as ChannelData when a channel is bound to the peer,
 * as a Data indication otherwise.
 */
import { encodeChannelData, encodeMessage } from '../stun/index.ts';
import { Attr, Method, MessageClass } from '../stun/types.ts';
import type { RelayEndpoint } from './allocation.ts';
import type { TurnCore } from './turn-core.ts';

/** Relays one peer datagram toward the client of `relay`'s allocation. */
export function relayToClient(core: TurnCore, relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array, now: number): void {
  const alloc = relay.allocation;
  if (alloc.state !== 'active') return core.counters.drop('peer-data-inactive-allocation');
  if (!alloc.hasPermission(peerIp, now)) return core.counters.drop('peer-data-no-permission');
  if (!core.spendBandwidth(alloc, data.length, now)) return;
  alloc.traffic.rxPackets++;
  alloc.traffic.rxBytes += data.length;
  const ch = alloc.channelForPeer(peerIp, peerPort, now);
  let out: Uint8Array;
  if (ch !== undefined) {
    out = encodeChannelData(ch.number, data, alloc.transport.protocol !== 'udp' && alloc.transport.protocol !== 'dtls', 0x7fff);
    core.counters.channelDataOut++;
  } else {
    out = encodeMessage(
      {
        method: Method.Data,
        class: MessageClass.Indication,
        transactionId: core.randomBytes(12),
        attributes: [
          { type: Attr.XorPeerAddress, value: { family: relay.family, address: peerIp, port: peerPort } },
          { type: Attr.Data, value: data },
        ],
      },
      { fingerprint: alloc.fingerprint },
    );
    core.counters.dataIndicationsOut++;
  }
  alloc.transport.send(alloc.clientIp, alloc.clientPort, out);
}
