/**
 * RFC 8656 §7.2: the Allocate request. Checks run in the RFC's order; a request that passes
 * them creates an allocation in the `opening` state and asks the driver for relay sockets —
 * the answer goes out when they are bound (`finishAllocate`) or cannot be (`failAllocate`),
 * and a refused Allocate gives its quota back at once.
 */
import { getAttribute } from '../stun/index.ts';
import { Attr, type AddressFamily, type StunAttribute } from '../stun/types.ts';
import type { Allocation } from './allocation.ts';
import type { CoreContext } from './core-context.ts';
import { withoutZone } from '../net/ip-parse.ts';
import type { OpenedRelay } from './core-output.ts';
import type { RefusalCode } from './drop-reason.ts';
import { answerError, type RequestContext } from './handle-request.ts';
import { grantedLifetime } from './lifetime.ts';
import { errorResponse, successResponse } from './responses.ts';
import { allocateTicket, ticketAttribute } from './handle-mobility.ts';

/** IANA protocol numbers in REQUESTED-TRANSPORT (RFC 8656 §18.7, RFC 6062 §6.1). */
const UDP = 17;
const TCP = 6;

/** RFC 6062 §5.1: 0 when a TCP allocation may be made here, else the code that refuses it. */
function tcpAllocationRefusal(core: CoreContext, ctx: RequestContext): 0 | 400 | 442 {
  if (core.options.tcpRelay === false || core.output.tcp === undefined) return 442;
  // Over UDP (or DTLS) a TCP allocation is a bad request; a stream control connection is required.
  if (ctx.transport.protocol !== 'tcp' && ctx.transport.protocol !== 'tls') return 400;
  const req = ctx.req;
  if (getAttribute(req, Attr.DontFragment) !== undefined || getAttribute(req, Attr.EvenPort) !== undefined || getAttribute(req, Attr.ReservationToken) !== undefined) return 400;
  return 0;
}

/** Which families to relay, or the error code that refuses the request. */
function chooseFamilies(core: CoreContext, ctx: RequestContext): { families: AddressFamily[]; missing?: AddressFamily } | { code: RefusalCode } {
  const req = ctx.req;
  const requested = getAttribute(req, Attr.RequestedAddressFamily);
  const additional = getAttribute(req, Attr.AdditionalAddressFamily);
  const token = getAttribute(req, Attr.ReservationToken);
  if (requested !== undefined && additional !== undefined) return { code: 400 };
  if (token !== undefined && (requested !== undefined || additional !== undefined || getAttribute(req, Attr.EvenPort) !== undefined)) return { code: 400 };
  const available = core.options.relayFamilies;
  if (additional !== undefined) {
    // RFC 8656 §7.2: ADDITIONAL-ADDRESS-FAMILY may only ask for IPv6, next to the IPv4 default.
    if (additional !== 'IPv6') return { code: 400 };
    if (!available.includes('IPv4')) return { code: 440 };
    return available.includes('IPv6') ? { families: ['IPv4', 'IPv6'] } : { families: ['IPv4'], missing: 'IPv6' };
  }
  const family = requested ?? defaultFamily(core.options.allocationDefaultFamily, ctx.ip);
  if (!available.includes(family)) return { code: 440 };
  return { families: [family] };
}

/** The family of an Allocate without REQUESTED-ADDRESS-FAMILY: IPv4 (RFC 8656 §7.2) unless configured otherwise. */
function defaultFamily(configured: AddressFamily | 'keep' | undefined, clientIp: string): AddressFamily {
  if (configured === 'keep') return clientIp.includes(':') ? 'IPv6' : 'IPv4';
  return configured ?? 'IPv4';
}

/** RFC 8656 §7.2 steps after authentication. */
export function handleAllocate(core: CoreContext, ctx: RequestContext, origin = ''): void {
  const req = ctx.req;
  const transport = getAttribute(req, Attr.RequestedTransport);
  if (transport === undefined) return answerError(core, ctx, undefined, 400);
  if (transport === TCP) {
    const refusal = tcpAllocationRefusal(core, ctx);
    if (refusal !== 0) return answerError(core, ctx, undefined, refusal);
  } else if (transport !== UDP || !core.options.udpRelay) return answerError(core, ctx, undefined, 442);
  const choice = chooseFamilies(core, ctx);
  if ('code' in choice) return answerError(core, ctx, undefined, choice.code);
  const mobility = allocateTicket(core, ctx);
  if ('code' in mobility) return answerError(core, ctx, undefined, mobility.code);
  const opts = core.options;
  const limits = core.realms.limits(ctx.realm);
  if (
    (limits.userQuota > 0 && core.allocations.countFor(ctx.username, ctx.realm) >= limits.userQuota) ||
    (limits.totalQuota > 0 && core.allocations.countInRealm(ctx.realm) >= limits.totalQuota)
  ) {
    core.output.event('quota-exceeded', { user: ctx.username, client: `${ctx.ip}:${ctx.port}` });
    return answerError(core, ctx, undefined, 486);
  }
  const lifetime = grantedLifetime(req, opts, ctx.now, ctx.oauth === true ? ctx.tokenExpiresAt : undefined);
  const alloc = core.createAllocation(
    { transport: ctx.transport, clientIp: ctx.ip, clientPort: ctx.port, username: ctx.username, realm: ctx.realm, key: ctx.key ?? new Uint8Array(0), expiresAt: ctx.now + lifetime * 1000 },
    ctx.now,
  );
  alloc.allocateTransactionId = ctx.tid;
  alloc.origin = origin;
  alloc.fingerprint = req.hasFingerprint || opts.fingerprint;
  alloc.oauth = ctx.oauth === true;
  alloc.tokenExpiresAt = ctx.tokenExpiresAt;
  alloc.mobile = mobility.mobile;
  alloc.pendingAllocate = { request: req, key: ctx.key, lifetime, missingFamily: choice.missing };
  const evenPort = getAttribute(req, Attr.EvenPort);
  if (transport === TCP) alloc.relayTransport = 'tcp';
  const relays = transport === TCP ? (core.output.tcp ?? core.output) : core.output;
  relays.openRelays(alloc, {
    families: choice.families,
    evenPort: evenPort !== undefined,
    reserveNext: evenPort?.reserveNext ?? false,
    reservationToken: getAttribute(req, Attr.ReservationToken),
  });
}

/** The relay sockets are bound: the allocation becomes active and the success answer goes out. */
export function finishAllocate(core: CoreContext, alloc: Allocation, relays: OpenedRelay[], now: number, reservationToken?: Uint8Array): void {
  alloc.relays = relays.map((r) => ({ ...r, allocation: alloc }));
  const p = alloc.pendingAllocate;
  alloc.pendingAllocate = undefined;
  if (p === undefined || core.allocations.find(alloc.transport, alloc.clientIp, alloc.clientPort) !== alloc) {
    // The allocation went away while its sockets were being bound.
    (alloc.relayTransport === 'tcp' ? (core.output.tcp ?? core.output) : core.output).closeRelays(alloc);
    return;
  }
  alloc.state = 'active';
  alloc.expiresAt = now + p.lifetime * 1000;
  const attrs: StunAttribute[] = alloc.relays.map((r) => ({
    type: Attr.XorRelayedAddress,
    value: { family: r.family, address: r.advertisedIp, port: r.port },
  }));
  attrs.push({ type: Attr.Lifetime, value: p.lifetime });
  if (reservationToken !== undefined) attrs.push({ type: Attr.ReservationToken, value: reservationToken });
  if (p.missingFamily !== undefined) {
    attrs.push({ type: Attr.AddressErrorCode, value: { family: p.missingFamily, code: 440, reason: 'Address Family not Supported' } });
  }
  attrs.push({ type: Attr.XorMappedAddress, value: { family: alloc.clientIp.includes(':') ? 'IPv6' : 'IPv4', address: withoutZone(alloc.clientIp), port: alloc.clientPort } });
  attrs.push(...ticketAttribute(core, alloc));
  const bytes = successResponse(p.request, core.options, attrs, { key: p.key });
  alloc.allocateResponse = bytes;
  core.counters.allocationsCreated++;
  core.counters.successResponses++;
  // The row goes out before the answer: a client that hears success may send at once.
  core.publish(alloc, now);
  core.output.event('allocation-created', {
    id: alloc.id,
    user: alloc.username,
    realm: alloc.realm,
    client: `${alloc.clientIp}:${alloc.clientPort}`,
    // the server's address the client talks to (coturn's redis-statsdb `local=`)
    local: `${alloc.transport.localIp.includes(':') ? `[${alloc.transport.localIp}]` : alloc.transport.localIp}:${alloc.transport.localPort}`,
    protocol: alloc.transport.protocol,
    relay: alloc.relays.map((r) => `${r.advertisedIp}:${r.port}`).join(','),
    lifetime: p.lifetime,
    // from the accepted Allocate to its answer (relay sockets bound)
    setupMs: now - alloc.createdAt,
  });
  alloc.transport.send(alloc.clientIp, alloc.clientPort, bytes);
}

/**
 * No relay socket could be bound (440, 508), or a driver's gate refused the allocation (486: a
 * fleet-wide quota, counted outside this process): the quota is given back and the client told why.
 */
export function failAllocate(core: CoreContext, alloc: Allocation, code: 440 | 486 | 508, now: number): void {
  const p = alloc.pendingAllocate;
  core.deleteAllocation(alloc, now, code === 486 ? 'quota-exceeded' : 'relay-failed');
  if (p === undefined) return;
  if (code === 508) core.output.event('relay-ports-exhausted', { client: `${alloc.clientIp}:${alloc.clientPort}` });
  if (code === 486) core.output.event('quota-exceeded', { user: alloc.username, client: `${alloc.clientIp}:${alloc.clientPort}`, scope: 'fleet' });
  core.counters.errorResponses++;
  alloc.transport.send(alloc.clientIp, alloc.clientPort, errorResponse(p.request, core.options, code, [], { key: p.key }));
}
