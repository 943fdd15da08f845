/**
 * RFC 8656 §7.3: the Refresh request — a new lifetime, or deletion at once with LIFETIME 0.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import { answer, answerError, type RequestContext } from './handle-request.ts';
import { grantedLifetime } from './lifetime.ts';
import { successResponse } from './responses.ts';
import type { CoreContext } from './core-context.ts';

/** RFC 8656 §7.3 on an authenticated request for an existing allocation. */
export function handleRefresh(core: CoreContext, ctx: RequestContext, alloc: Allocation): void {
  const family = getAttribute(ctx.req, Attr.RequestedAddressFamily);
  if (family !== undefined && alloc.relayFor(family) === undefined) return answerError(core, ctx, alloc, 443);
  const lifetime = grantedLifetime(ctx.req, core.options);
  const bytes = successResponse(ctx.req, core.options, [{ type: Attr.Lifetime, value: lifetime }], { key: ctx.key });
  if (lifetime === 0) {
    core.deleteAllocation(alloc, ctx.now, 'refresh-0');
    return answer(core, ctx, undefined, bytes, true);
  }
  alloc.expiresAt = ctx.now + lifetime * 1000;
  core.publish(alloc, ctx.now);
  core.output.event('allocation-refreshed', { id: alloc.id, user: alloc.username, lifetime });
  answer(core, ctx, alloc, bytes, true);
}
