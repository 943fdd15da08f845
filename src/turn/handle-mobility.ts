/**
 * RFC 8016 mobility: an allocation whose Allocate carried an empty MOBILITY-TICKET gets a
 * ticket in its answers, and a Refresh carrying that ticket from another 5-tuple moves the
 * allocation there — same relayed addresses, permissions and channels; the old 5-tuple finds
 * nothing any more. A ticket opens one move: the move advances the allocation's generation,
 * so the ticket that made it (or any older one) is refused afterwards. A mobile allocation
 * whose TCP or TLS connection closes waits, detached, for its ticket.
 *
 * Error codes: 405 Mobility Forbidden when the server has no mobility (RFC 8016 §3.1), 400 for
 * a non-empty ticket in an Allocate, 437 Allocation Mismatch for a ticket that names no live
 * allocation or a generation that is gone (as coturn answers), 441 Wrong Credentials when the
 * Refresh is signed by another user than the allocation's (RFC 8656 §5).
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type StunAttribute } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import type { CoreContext } from './core-context.ts';
import type { ClientTransport } from './five-tuple.ts';
import type { RefusalCode } from './drop-reason.ts';
import { answerError, type RequestContext } from './handle-request.ts';
import { handleRefresh } from './handle-refresh.ts';
import { decodeTicketBody, encodeTicketBody, type TicketBody } from './mobility-ticket.ts';

/** Is mobility offered at all? */
function enabled(core: CoreContext): boolean {
  return core.options.mobility && core.tickets !== undefined;
}

/** The ticket's body, if this server sealed it. */
function openTicket(core: CoreContext, ticket: Uint8Array): TicketBody | undefined {
  const body = core.tickets?.open(ticket);
  return body === undefined ? undefined : decodeTicketBody(body);
}

/**
 * RFC 8016 §3.1: an Allocate's MOBILITY-TICKET, checked: whether the request asked for
 * mobility, or the code that refuses it.
 */
export function allocateTicket(core: CoreContext, ctx: RequestContext): { mobile: boolean } | { code: RefusalCode } {
  const ticket = getAttribute(ctx.req, Attr.MobilityTicket);
  if (ticket === undefined) return { mobile: false };
  if (!enabled(core)) return { code: 405 };
  if (ticket.length !== 0) return { code: 400 };
  return { mobile: true };
}

/** The MOBILITY-TICKET attribute an answer about a mobile allocation carries (none otherwise). */
export function ticketAttribute(core: CoreContext, alloc: Allocation): StunAttribute[] {
  if (!alloc.mobile || core.tickets === undefined) return [];
  const body = encodeTicketBody({ allocationId: alloc.id, generation: alloc.mobilityGeneration });
  return [{ type: Attr.MobilityTicket, value: core.tickets.seal(body) }];
}

/**
 * A Refresh on the allocation's own 5-tuple that carries a MOBILITY-TICKET: refused with 405
 * when the server has no mobility, 400 when the ticket is not one of this allocation's
 * (coturn: a ticket cannot be used on another, established allocation).
 */
export function refreshTicketRefusal(core: CoreContext, ctx: RequestContext, alloc: Allocation): RefusalCode | undefined {
  const ticket = getAttribute(ctx.req, Attr.MobilityTicket);
  if (ticket === undefined) return undefined;
  if (!enabled(core)) return 405;
  const body = openTicket(core, ticket);
  if (body === undefined || body.allocationId !== alloc.id || body.generation > alloc.mobilityGeneration) return 400;
  return undefined;
}

/**
 * RFC 8016 §3.2: a Refresh with a MOBILITY-TICKET from a 5-tuple that has no allocation. The
 * request has authenticated; the ticket names the allocation to move here.
 */
export function handleMobilityRefresh(core: CoreContext, ctx: RequestContext): void {
  if (!enabled(core)) return answerError(core, ctx, undefined, 405);
  const body = openTicket(core, getAttribute(ctx.req, Attr.MobilityTicket) ?? new Uint8Array(0));
  const alloc = body === undefined ? undefined : core.allocations.get(body.allocationId);
  if (body === undefined || alloc === undefined || !alloc.mobile || alloc.state !== 'active') {
    return answerError(core, ctx, undefined, 437, [], 'mobility ticket names no allocation');
  }
  if (body.generation !== alloc.mobilityGeneration) {
    return answerError(core, ctx, undefined, 437, [], 'mobility ticket already used or stale');
  }
  if (!core.options.noAuth && (alloc.username !== ctx.username || alloc.realm !== ctx.realm)) {
    return answerError(core, ctx, undefined, 441, [], "mobility ticket of another user's allocation");
  }
  const from = `${alloc.clientIp}:${alloc.clientPort}`;
  if (!core.allocations.move(alloc, ctx.transport, ctx.ip, ctx.port)) return answerError(core, ctx, undefined, 437);
  // The ticket that made the move is spent; the answer carries the next one.
  alloc.mobilityGeneration++;
  alloc.answers.clear();
  core.output.event('allocation-moved', { id: alloc.id, user: alloc.username || undefined, from, to: `${ctx.ip}:${ctx.port}`, protocol: ctx.transport.protocol });
  // The Refresh itself: new lifetime (or deletion with LIFETIME 0), the row republished
  // with the new client 5-tuple, the answer sent to the new 5-tuple.
  handleRefresh(core, ctx, alloc);
}

/**
 * Where a mobile allocation waits when its TCP or TLS connection closes: nothing is sent to it,
 * and only a Refresh with the ticket (or the end of its lifetime) takes it out again.
 */
const DETACHED: ClientTransport = { id: 0, protocol: 'tcp', localIp: '', localPort: 0, send() {} };

/**
 * A mobile allocation's stream transport closed (RFC 8016 §3: the client may come back on a
 * new connection with its ticket, as coturn allows): the allocation is kept, detached, until it
 * moves or expires. False when it is not mobile (it goes with its connection, RFC 8656 §3.1).
 */
export function suspendMobile(core: CoreContext, alloc: Allocation, now: number): boolean {
  if (!alloc.mobile || !enabled(core) || alloc.state !== 'active') return false;
  if (!core.allocations.move(alloc, DETACHED, alloc.clientIp, alloc.clientPort)) return false;
  core.publish(alloc, now);
  return true;
}
