/**
 * RFC 8656 §11.3 and §12.6: a datagram from a peer reaches the client only if the allocation
 * has a permission for the peer's IP — as ChannelData when a channel is bound to the peer,
 * as a Data indication otherwise. Sizes are checked before anything is encoded: a peer can
 * send a datagram that no message toward the client can carry (a 65,507-byte datagram needs a
 * Data indication longer than STUN's 16-bit length allows), and that one is dropped and counted.
 */
import { channelDataLength, dataIndicationLength, encodeChannelData, encodeMessage, fitsStunLength, maxClientMessage } from '../stun/index.ts';
import { Attr, Method, MessageClass } from '../stun/types.ts';
import type { Allocation, RelayEndpoint } from './allocation.ts';
import type { CoreContext } from './core-context.ts';
import type { DropReason } from './drop-reason.ts';

/** Relays one peer datagram toward the client of `relay`'s allocation. */
export function relayToClient(core: CoreContext, relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array, now: number): void {
  const alloc = relay.allocation;
  if (alloc.state !== 'active') return core.counters.drop('peer-data-inactive-allocation');
  if (!alloc.hasPermission(peerIp, now)) return core.counters.drop('peer-data-no-permission');
  const transport = alloc.transport;
  const stream = transport.protocol === 'tcp' || transport.protocol === 'tls';
  const limit = maxClientMessage(transport.protocol, alloc.clientIp);
  const ch = alloc.channelForPeer(peerIp, peerPort, now);
  if (ch !== undefined) {
    if (data.length > 0xffff || channelDataLength(data.length, stream) > limit) return tooLarge(core, alloc, 'peer-data-too-large-for-channel');
  } else {
    const length = dataIndicationLength(relay.family, data.length, alloc.fingerprint);
    if (!fitsStunLength(length) || length > limit) return tooLarge(core, alloc, 'peer-data-too-large-for-data-indication');
  }
  if (!core.spendBandwidth(alloc, data.length, now)) return;
  alloc.traffic.rxPackets++;
  alloc.traffic.rxBytes += data.length;
  let out: Uint8Array;
  if (ch !== undefined) {
    out = encodeChannelData(ch.number, data, stream, 0x7fff);
    core.counters.channelDataOut++;
  } else {
    out = encodeMessage(
      {
        method: Method.Data,
        class: MessageClass.Indication,
        transactionId: core.random(12),
        attributes: [
          { type: Attr.XorPeerAddress, value: { family: relay.family, address: peerIp, port: peerPort } },
          { type: Attr.Data, value: data },
        ],
      },
      { fingerprint: alloc.fingerprint },
    );
    core.counters.dataIndicationsOut++;
  }
  transport.send(alloc.clientIp, alloc.clientPort, out);
}

function tooLarge(core: CoreContext, alloc: Allocation, reason: DropReason): void {
  alloc.traffic.dropped++;
  core.counters.drop(reason);
}
