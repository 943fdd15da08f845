/**
 * The checks CreatePermission and ChannelBind share for each XOR-PEER-ADDRESS (RFC 8656 §9.1,
 * §12.1): the allocation must relay that family (443) and the peer policy must allow the IP (403).
 */
import type { TransportAddress } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import type { CoreContext } from './core-context.ts';

/** 0 when the peer may be used, else the error code to answer with. */
export function checkPeer(core: CoreContext, alloc: Allocation, peer: TransportAddress): 0 | 403 | 443 {
  if (alloc.relayFor(peer.family) === undefined) return 443;
  const decision = core.realms.policy(alloc.realm).check(peer.address);
  if (!decision.allowed) {
    core.counters.drop(`peer-denied-${decision.reason}`);
    core.output.event('peer-denied', { id: alloc.id, user: alloc.username, peer: peer.address, reason: decision.reason });
    return 403;
  }
  return 0;
}
