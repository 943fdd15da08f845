/**
 * RFC 8656 §11.2: a Send indication — DATA to XOR-PEER-ADDRESS if a permission exists.
 * Indications are never answered: every refusal is a counted, silent drop.
 */
import { getAttribute, maxUdpPayload } from '../stun/index.ts';
import { Attr, type DecodedStunMessage } from '../stun/types.ts';
import type { ClientTransport } from './five-tuple.ts';
import type { CoreContext } from './core-context.ts';

/** RFC 8656 §11.2. */
export function handleSend(core: CoreContext, transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage, now: number): void {
  const alloc = core.allocations.find(transport, ip, port);
  if (alloc === undefined || alloc.state !== 'active') return core.counters.drop('send-no-allocation');
  // RFC 6062 §5: a TCP allocation relays over peer data connections, not Send indications.
  if (alloc.relayTransport === 'tcp') return core.counters.drop('send-on-tcp-allocation');
  const peer = getAttribute(msg, Attr.XorPeerAddress);
  const data = getAttribute(msg, Attr.Data);
  if (peer === undefined || data === undefined) return core.counters.drop('send-malformed');
  const relay = alloc.relayFor(peer.family);
  if (relay === undefined) return core.counters.drop('no-relay-for-family');
  // Permissions are only ever installed for peers the policy allows, so this also drops denied peers.
  if (!alloc.hasPermission(peer.address, now)) return core.counters.drop('send-no-permission');
  // A Send indication over TCP can carry more than one UDP datagram toward the peer can.
  if (data.length > maxUdpPayload(relay.family)) return core.counters.drop('send-too-large-for-peer');
  if (!core.spendBandwidth(alloc, data.length, now)) return;
  alloc.traffic.txPackets++;
  alloc.traffic.txBytes += data.length;
  core.counters.sendIndicationsIn++;
  core.output.sendToPeer(relay, peer.address, peer.port, data);
}
