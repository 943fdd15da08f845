/**
 * The checks CreatePermission and ChannelBind share for each XOR-PEER-ADDRESS (RFC 8656 §9.1,
 * §12.1): the allocation must relay that family (443) and the peer policy must allow the IP (403).
 */
import type { TransportAddress } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import type { CoreContext } from './core-context.ts';
import { PeerRefusal } from './peer-policy-rules.ts';

/**
 * The XOR-PEER-ADDRESS values (the decoded attribute objects themselves) that an embedding
 * program's permission hook refused: src/server/ingress.ts awaits the hook before it hands the
 * request over, and marks the refused ones here. Weak: they go with their message.
 */
const refusedByHook = new WeakSet<TransportAddress>();

/** Marks a decoded XOR-PEER-ADDRESS as refused by the permission hook: the core answers 403. */
export function refusePeerByHook(peer: TransportAddress): void {
  refusedByHook.add(peer);
}

/** 0 when the peer may be used, else the error code to answer with. */
export function checkPeer(core: CoreContext, alloc: Allocation, peer: TransportAddress): 0 | 403 | 443 {
  if (alloc.relayFor(peer.family) === undefined) return 443;
  if (refusedByHook.has(peer)) {
    // Counted with the operator's own refusals: both are the deployment's choice, not a default range.
    core.counters.drop(`peer-denied-${PeerRefusal.DeniedPeerIp}`);
    core.output.event('peer-denied', { id: alloc.id, user: alloc.username, peer: peer.address, reason: 'permission-handler' });
    return 403;
  }
  const decision = core.realms.policy(alloc.realm).check(peer.address);
  if (!decision.allowed) {
    core.counters.drop(`peer-denied-${decision.reason}`);
    core.output.event('peer-denied', { id: alloc.id, user: alloc.username, peer: peer.address, reason: decision.reason });
    return 403;
  }
  const backend = core.backends.refuses(peer.address, peer.port);
  if (backend !== undefined) {
    // A relay never reaches the server's own backends (src/turn/backend-endpoints.ts).
    core.counters.drop('peer-is-backend');
    core.output.event('peer-denied', { id: alloc.id, user: alloc.username, peer: `${peer.address}:${peer.port}`, reason: backend.what });
    return 403;
  }
  return 0;
}
