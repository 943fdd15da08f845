/**
 * RFC 8656 §12: ChannelBind — a channel number (0x4000–0x4FFF) for a peer transport address,
 * refreshed by binding the same pair again; a number or peer stays reserved to its pairing
 * for 5 minutes after the binding expires, so stale ChannelData cannot reach a new peer.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import { answer, answerError, type RequestContext } from './handle-request.ts';
import { checkPeer } from './peer-check.ts';
import { successResponse } from './responses.ts';
import type { CoreContext } from './core-context.ts';

/** RFC 8656 §12: the lowest channel number (the highest is `options.maxChannelNumber`). */
export const MIN_CHANNEL = 0x4000;
/** RFC 8656 §12: the re-bind guard after a binding expires, in ms. */
export const CHANNEL_REBIND_GUARD_MS = 300_000;

/** RFC 8656 §12.2 on an authenticated request for an existing allocation. */
export function handleChannelBind(core: CoreContext, ctx: RequestContext, alloc: Allocation): void {
  const number = getAttribute(ctx.req, Attr.ChannelNumber);
  const peer = getAttribute(ctx.req, Attr.XorPeerAddress);
  if (number === undefined || peer === undefined) return answerError(core, ctx, alloc, 400, [], 'channel-bind-missing-attribute');
  if (number < MIN_CHANNEL || number > core.options.maxChannelNumber) return answerError(core, ctx, alloc, 400, [], 'channel-number-out-of-range');
  const code = checkPeer(core, alloc, peer);
  if (code !== 0) return answerError(core, ctx, alloc, code);
  let ch = alloc.channelsByNumber.get(number);
  if (ch !== undefined && (ch.peerIp !== peer.address || ch.peerPort !== peer.port)) return answerError(core, ctx, alloc, 400, [], 'channel-bound-to-other-peer');
  const holder = alloc.channelHoldingPeer(peer.address, peer.port);
  if (holder !== undefined && holder.number !== number) return answerError(core, ctx, alloc, 400, [], 'peer-bound-to-other-channel');
  if (ch === undefined && alloc.channelsByNumber.size >= core.options.maxChannelsPerAllocation) return answerError(core, ctx, alloc, 508, [], 'too-many-channels');
  const expiresAt = ctx.now + core.options.channelLifetime * 1000;
  if (ch === undefined) {
    ch = { number, peerIp: peer.address, peerPort: peer.port, relay: alloc.relayFor(peer.family)!, expiresAt, active: true, guardUntil: expiresAt + CHANNEL_REBIND_GUARD_MS };
    alloc.addChannel(ch);
  } else {
    ch.expiresAt = expiresAt;
    ch.active = true;
    ch.guardUntil = expiresAt + CHANNEL_REBIND_GUARD_MS;
  }
  // RFC 8656 §12.2: binding a channel installs or refreshes the permission for the peer's IP.
  const permissionExpiry = ctx.now + core.options.permissionLifetime * 1000;
  if ((alloc.permissions.get(peer.address) ?? 0) < permissionExpiry) alloc.permissions.set(peer.address, permissionExpiry);
  core.publish(alloc, ctx.now);
  answer(core, ctx, alloc, successResponse(ctx.req, core.options, [], { key: ctx.key }), true);
}
