/**
 * The gate every TURN request passes (RFC 8656 §5–§6, RFC 8489 §9.2.4): retransmissions get
 * the cached answer, credentials are checked, the allocation of the 5-tuple is found (437 when
 * it is missing or already there, 441 when the credentials differ), then the method's handler
 * runs, found in a table.
 */
import { getAttribute, unknownComprehensionRequired } from '../stun/index.ts';
import { Attr, Method, type DecodedStunMessage, type StunAttribute } from '../stun/types.ts';
import type { KeyLookup } from '../auth/credential-store.ts';
import type { Allocation } from './allocation.ts';
import { authenticate } from './authenticate.ts';
import type { CoreContext } from './core-context.ts';
import type { RefusalCode } from './drop-reason.ts';
import type { ClientTransport } from './five-tuple.ts';
import { handleAllocate } from './handle-allocate.ts';
import { handleChannelBind } from './handle-channel-bind.ts';
import { handleCreatePermission } from './handle-create-permission.ts';
import { handleRefresh } from './handle-refresh.ts';
import { handleConnect, handleConnectionBind } from './handle-connect.ts';
import { errorResponse } from './responses.ts';
import { canonicalOrigin } from './realms.ts';
import { explainAuthFailure } from './auth-explain.ts';
import { handleMobilityRefresh } from './handle-mobility.ts';
import { tryAlternate } from './try-alternate.ts';

/** The authenticated context a method handler works in. */
export interface RequestContext {
  transport: ClientTransport;
  ip: string;
  port: number;
  req: DecodedStunMessage;
  username: string;
  realm: string;
  /** undefined with `no-auth` */
  key: Uint8Array | undefined;
  /** the key is an access token's MAC key (RFC 7635) */
  oauth?: boolean;
  /** with an access token that has a lifetime: when it ends (ms), and the allocation's lifetime with it */
  tokenExpiresAt?: number;
  /** hex transaction id, for answer caching */
  tid: string;
  now: number;
}

/** A method handler for a request on an existing, active allocation. */
type AllocationMethod = (core: CoreContext, ctx: RequestContext, alloc: Allocation) => void;

/** RFC 8656 §7.3, §9.2, §12.2: the methods that need an active allocation. */
const ON_ALLOCATION: ReadonlyMap<number, { name: string; handle: AllocationMethod }> = new Map([
  [Method.Refresh, { name: 'Refresh', handle: handleRefresh }],
  [Method.CreatePermission, { name: 'CreatePermission', handle: handleCreatePermission }],
  [Method.ChannelBind, { name: 'ChannelBind', handle: handleChannelBind }],
  // RFC 6062 §5.2
  [Method.Connect, { name: 'Connect', handle: handleConnect }],
]);

function methodName(method: number): string {
  if (method === Method.ConnectionBind) return 'ConnectionBind';
  return method === Method.Allocate ? 'Allocate' : (ON_ALLOCATION.get(method)?.name ?? String(method));
}

/** Sends an answer on the request's 5-tuple and remembers it for retransmissions. */
export function answer(core: CoreContext, ctx: RequestContext, alloc: Allocation | undefined, bytes: Uint8Array, ok: boolean): void {
  if (ok) core.counters.successResponses++;
  else core.counters.errorResponses++;
  alloc?.rememberAnswer(ctx.tid, bytes);
  ctx.transport.send(ctx.ip, ctx.port, bytes);
}

/**
 * An error answer signed with the request's key (RFC 8489 §9.2.4: after authentication
 * succeeded). Counted as `refused-<code>`; `why` goes to the event log only, so counters stay
 * a bounded set.
 */
export function answerError(core: CoreContext, ctx: RequestContext, alloc: Allocation | undefined, code: RefusalCode, extra: StunAttribute[] = [], why?: string): void {
  core.counters.drop(`refused-${code}`);
  core.output.event('request-refused', { client: `${ctx.ip}:${ctx.port}`, method: methodName(ctx.req.method), code, why, user: ctx.username || undefined });
  answer(core, ctx, alloc, errorResponse(ctx.req, core.options, code, extra, { key: ctx.key }), false);
}

/** Entry point for Allocate, Refresh, CreatePermission, ChannelBind, Connect and ConnectionBind requests. */
export function handleTurnRequest(core: CoreContext, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage, lookup: KeyLookup | undefined, now: number): void {
  const onAllocation = ON_ALLOCATION.get(req.method);
  if ((req.method !== Method.Allocate && req.method !== Method.ConnectionBind && onAllocation === undefined) || core.options.stunOnly) {
    return core.rejectUnauthenticated(transport, ip, port, req, 400, now);
  }
  const alloc = core.allocations.find(transport, ip, port);
  const tid = Buffer.from(req.transactionId).toString('hex');
  if (alloc !== undefined) {
    // RFC 8656 §7.2 / RFC 8489 §6.3.1: a retransmission gets the same answer, not a new decision.
    if (req.method === Method.Allocate && tid === alloc.allocateTransactionId) {
      if (alloc.allocateResponse !== undefined) transport.send(ip, port, alloc.allocateResponse);
      return;
    }
    const cached = alloc.answers.get(tid);
    if (cached !== undefined) return transport.send(ip, port, cached);
  }
  // RFC 8489 §10: coturn sends an Allocate on to an alternate server before authenticating it.
  if (alloc === undefined && req.method === Method.Allocate && tryAlternate(core, transport, ip, port, req, now)) return;
  const origin = requestOrigin(req);
  const who = core.options.noAuth
    ? { username: '', realm: alloc?.realm ?? core.realms.realmOf(origin), key: undefined, oauth: false }
    : authenticateRequest(core, transport, ip, port, req, lookup, alloc, origin, now);
  if (who === undefined) return;
  const { username, realm, key, oauth } = who;
  const tokenExpiresAt = 'tokenExpiresAt' in who ? who.tokenExpiresAt : undefined;
  const ctx: RequestContext = { transport, ip, port, req, username, realm, key, tid, now, oauth, tokenExpiresAt };
  const unknown = unknownComprehensionRequired(req);
  if (unknown.length > 0) return answerError(core, ctx, alloc, 420, [{ type: Attr.UnknownAttributes, value: unknown }]);
  if (alloc !== undefined && !core.options.noAuth && ((alloc.username !== username && !(alloc.oauth && oauth)) || alloc.realm !== realm)) {
    // RFC 8656 §5: the same 5-tuple must keep using the credentials that created the allocation.
    return answerError(core, ctx, undefined, 441);
  }
  // RFC 7635 §6.2: a request on a token's allocation may bring a new token (coturn's client does
  // on each Refresh, under any of its kids); its MAC key signs what follows.
  if (alloc !== undefined && alloc.oauth && oauth && key !== undefined && alloc.key !== key) {
    alloc.key = key;
    alloc.tokenExpiresAt = tokenExpiresAt;
  }
  if (alloc !== undefined && core.options.checkOriginConsistency && (origin ?? '') !== alloc.origin) {
    // coturn's check-origin-consistency: every request of a session carries the Allocate's ORIGIN.
    return answerError(core, ctx, undefined, 441, [], 'origin differs from the allocation\'s');
  }
  // RFC 6062 §5.4: on a new connection, which holds no allocation.
  if (req.method === Method.ConnectionBind) return handleConnectionBind(core, ctx, alloc);
  if (onAllocation === undefined) {
    if (alloc !== undefined) return answerError(core, ctx, undefined, 437);
    return handleAllocate(core, ctx, origin ?? '');
  }
  // RFC 8016 §3.2: a Refresh with a MOBILITY-TICKET from a new 5-tuple moves an allocation here.
  if (alloc === undefined && req.method === Method.Refresh && getAttribute(req, Attr.MobilityTicket) !== undefined) return handleMobilityRefresh(core, ctx);
  if (alloc === undefined || alloc.state !== 'active') return answerError(core, ctx, undefined, 437);
  // RFC 6062 §5: a TCP allocation has no channels.
  if (alloc.relayTransport === 'tcp' && req.method === Method.ChannelBind) return answerError(core, ctx, alloc, 400, [], 'channel-bind-on-tcp-allocation');
  onAllocation.handle(core, ctx, alloc);
}

/** Who a request proved to be (RFC 8489 §9.2.4); undefined when it did not, and was answered. */
function authenticateRequest(
  core: CoreContext, transport: ClientTransport, ip: string, port: number, req: DecodedStunMessage,
  lookup: KeyLookup | undefined, alloc: Allocation | undefined, origin: string | undefined, now: number,
): { username: string; realm: string; key: Uint8Array; oauth: boolean; tokenExpiresAt?: number } | undefined {
  // RFC 8489 §9.2: the realm of the allocation, or the one the request's ORIGIN maps to.
  const realm = alloc?.realm ?? core.realms.realmOf(origin);
  // A token's allocation may live in its key's realm (below) while the client keeps naming the
  // realm it was challenged with; a MAC key does not depend on the realm, so coturn takes any.
  const expected = alloc?.oauth === true ? (getAttribute(req, Attr.Realm) ?? realm) : realm;
  const auth = authenticate(req, lookup, expected, core.nonces, ip, now, core.options);
  if (!auth.ok) {
    core.counters.drop(`auth-${auth.reason}`);
    if (auth.reason === 'no-credentials') return void core.rejectUnauthenticated(transport, ip, port, req, auth.code, now, auth.attrs);
    const user = lookupName(req);
    const sentRealm = getAttribute(req, Attr.Realm);
    const why = explainAuthFailure(auth.reason, { user, sentRealm, expectedRealm: expected, separator: core.options.restApiSeparator }, now);
    core.output.event('auth-failed', { client: `${ip}:${port}`, reason: auth.reason, user, realm: sentRealm, why: why.words, hint: why.hint });
    return void core.rejectUnauthenticated(transport, ip, port, req, auth.code, now, auth.attrs, why.phrase);
  }
  // The source proved it is there (it holds a key and got our nonce): it may get more answers.
  core.budgets.trust(ip, now);
  if (auth.oauth !== true) return { username: auth.username, realm: auth.realm, key: auth.key, oauth: false };
  // As coturn: a token whose oauth_key row names a realm puts its allocation in that realm (its
  // quotas, limits and peer ranges); a later token whose row names none leaves it where it is.
  const tokenRealm = auth.tokenRealm ?? (alloc?.oauth === true ? alloc.realm : auth.realm);
  return { username: auth.username, realm: tokenRealm, key: auth.key, oauth: true, tokenExpiresAt: auth.tokenExpiresAt };
}

/** The request's ORIGIN attribute in canonical form (coturn compares origins that way), if any. */
export function requestOrigin(req: DecodedStunMessage): string | undefined {
  const origin = getAttribute(req, Attr.Origin);
  return origin === undefined || origin === '' ? undefined : canonicalOrigin(origin);
}

function lookupName(req: DecodedStunMessage): string | undefined {
  for (const a of req.attributes) if (a.type === Attr.Username) return a.value as string;
  return undefined;
}
