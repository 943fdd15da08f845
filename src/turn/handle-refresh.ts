/**
 * RFC 8656 §7.3: the Refresh request — a new lifetime, or deletion at once with LIFETIME 0.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type StunAttribute } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import { answer, answerError, type RequestContext } from './handle-request.ts';
import { grantedLifetime } from './lifetime.ts';
import { successResponse } from './responses.ts';
import type { CoreContext } from './core-context.ts';
import { refreshTicketRefusal, ticketAttribute } from './handle-mobility.ts';

/** RFC 8656 §7.3 on an authenticated request for an existing allocation. */
export function handleRefresh(core: CoreContext, ctx: RequestContext, alloc: Allocation): void {
  const family = getAttribute(ctx.req, Attr.RequestedAddressFamily);
  if (family !== undefined && alloc.relayFor(family) === undefined) return answerError(core, ctx, alloc, 443);
  const ticketRefusal = refreshTicketRefusal(core, ctx, alloc);
  if (ticketRefusal !== undefined) return answerError(core, ctx, alloc, ticketRefusal);
  const lifetime = grantedLifetime(ctx.req, core.options, ctx.now, alloc.oauth ? alloc.tokenExpiresAt : undefined);
  // RFC 8016 §3.2: a mobile allocation's answers carry its current ticket.
  const attrs: StunAttribute[] = [{ type: Attr.Lifetime, value: lifetime }, ...(lifetime === 0 ? [] : ticketAttribute(core, alloc))];
  const bytes = successResponse(ctx.req, core.options, attrs, { key: ctx.key });
  if (lifetime === 0) {
    core.deleteAllocation(alloc, ctx.now, 'refresh-0');
    return answer(core, ctx, undefined, bytes, true);
  }
  alloc.expiresAt = ctx.now + lifetime * 1000;
  core.publish(alloc, ctx.now);
  core.output.event('allocation-refreshed', { id: alloc.id, user: alloc.username, lifetime });
  answer(core, ctx, alloc, bytes, true);
}
