/**
 * RFC 8656 §9: CreatePermission — one or several XOR-PEER-ADDRESS, all installed or none.
 */
import { getAttributes } from '../stun/index.ts';
import { Attr } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import { answer, answerError, type RequestContext } from './handle-request.ts';
import { checkPeer } from './peer-check.ts';
import { successResponse } from './responses.ts';
import type { CoreContext } from './core-context.ts';

/** RFC 8656 §9.2 on an authenticated request for an existing allocation. */
export function handleCreatePermission(core: CoreContext, ctx: RequestContext, alloc: Allocation): void {
  const peers = getAttributes(ctx.req, Attr.XorPeerAddress);
  if (peers.length === 0) return answerError(core, ctx, alloc, 400);
  let added = 0;
  for (const peer of peers) {
    const code = checkPeer(core, alloc, peer);
    if (code !== 0) return answerError(core, ctx, alloc, code);
    if (!alloc.permissions.has(peer.address)) added++;
  }
  if (alloc.permissions.size + added > core.options.maxPermissionsPerAllocation) return answerError(core, ctx, alloc, 508);
  const expiresAt = ctx.now + core.options.permissionLifetime * 1000;
  for (const peer of peers) alloc.permissions.set(peer.address, expiresAt);
  core.publish(alloc, ctx.now);
  answer(core, ctx, alloc, successResponse(ctx.req, core.options, [], { key: ctx.key }), true);
}
