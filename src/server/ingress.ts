/**
 * What every client transport does with an incoming datagram or stream frame: demultiplex by
 * the first byte (RFC 7983), decode STUN, look up the key for credentials (the store may be
 * asynchronous), and hand the result to the TURN core. Garbage is counted, never answered.
 */
import { classifyPacket, decodeMessage, getAttributes, verifyMessageIntegrity, verifyMessageIntegritySha256 } from '../stun/index.ts';
import { getAttribute } from '../stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage } from '../stun/types.ts';
import type { ClientSource, CredentialStore, KeyLookup } from '../auth/credential-store.ts';
import type { AccessTokenAuthority } from '../auth/oauth-credentials.ts';
import type { PermissionHandler } from '../auth/hook-credential-store.ts';
import { refusePeerByHook } from '../turn/peer-check.ts';
import { carriesCredentials } from '../turn/authenticate.ts';
import type { ClientTransport } from '../turn/five-tuple.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { FaultGuard, FaultSite } from '../log/fault-guard.ts';

/** The pieces ingress needs; one per server. */
export interface Ingress {
  core: TurnCore;
  store: CredentialStore;
  /** the clock (ms); injected for tests */
  now: () => number;
  /** catches and counts what a fault in handling one input throws */
  guard: FaultGuard;
  /** an embedding program's peer permission hook, awaited for CreatePermission, ChannelBind and Connect (RFC 6062) */
  permitPeer?: PermissionHandler;
  /** opens the ACCESS-TOKEN of requests that carry one (RFC 7635), while the core's `oauth` option is on */
  tokens?: AccessTokenAuthority;
  /** the DTLS server (src/server/dtls-server.ts), when DTLS is on: takes DTLS datagrams from UDP transports */
  dtls?: (transport: ClientTransport, ip: string, port: number, buf: Uint8Array) => void;
}

/**
 * `ingest` behind the fault guard: what one datagram or frame throws is counted at `site`
 * and costs that input only. Every transport calls this, never `ingest` bare.
 */
export function ingestGuarded(ing: Ingress, site: FaultSite, transport: ClientTransport, ip: string, port: number, buf: Uint8Array): void {
  try {
    ingest(ing, transport, ip, port, buf);
  } catch (err) {
    ing.guard.fault(site, err);
  }
}

/** Handles one datagram / frame from a client. */
export function ingest(ing: Ingress, transport: ClientTransport, ip: string, port: number, buf: Uint8Array): void {
  const first = buf.length > 0 ? buf[0] : 0xff;
  if (first >= 0x40 && first <= ing.core.options.maxChannelNumber >> 8) return ing.core.handleChannelData(transport, ip, port, buf, ing.now());
  // RFC 7983 §7: 20-63 is DTLS; on a UDP transport it goes to the DTLS server when one runs.
  if (first >= 20 && first <= 63 && ing.dtls !== undefined && transport.protocol === 'udp') return ing.dtls(transport, ip, port, buf);
  if (first > 0x03 || buf.length < 20) return ing.core.counters.drop(classifyPacket(buf) === 'stun' ? 'stun-too-short' : `not-turn-${classifyPacket(buf)}`);
  const decoded = decodeMessage(buf);
  if (!decoded.ok) {
    if (decoded.error.reason === 'bad-cookie') return ing.core.handleLegacyStun(transport, ip, port, buf, ing.now());
    return ing.core.counters.drop(`stun-${decoded.error.reason}`);
  }
  const msg = decoded.value;
  const permit = ing.permitPeer;
  if (permit !== undefined && msg.class === MessageClass.Request && (msg.method === Method.CreatePermission || msg.method === Method.ChannelBind || msg.method === Method.Connect)) {
    return askPermissionHook(ing, permit, transport, ip, port, msg);
  }
  handleDecoded(ing, transport, ip, port, msg);
}

/**
 * A client's requests that arrived while one of its requests waited for its credentials (a
 * database read, an access token's first key look-up): handled after it, in the order they
 * came, as a client expects. A Refresh bringing a new access token switches the allocation's
 * key (RFC 7635 §6.2), and the requests signed with the new key right behind it must not be
 * checked against the old one first. Kept per core (one per server), by transport and client
 * address.
 */
const waitingByCore = new WeakMap<TurnCore, Map<string, Array<() => void>>>();
/** At most this many of one client's requests wait; more are dropped and counted (the client retransmits). */
const MAX_WAITING = 32;

function waitingOf(ing: Ingress): Map<string, Array<() => void>> {
  let m = waitingByCore.get(ing.core);
  if (m === undefined) {
    m = new Map();
    waitingByCore.set(ing.core, m);
  }
  return m;
}

/** The client's look-up is done: its waiting requests, in order, until one waits again. */
function resume(ing: Ingress, key: string): void {
  const waiting = waitingOf(ing);
  const queue = waiting.get(key) ?? [];
  waiting.delete(key);
  while (queue.length > 0) {
    const next = queue.shift()!;
    try {
      next();
    } catch (err) {
      ing.guard.fault('credential-answer', err);
    }
    const again = waiting.get(key);
    if (again !== undefined) {
      again.push(...queue);
      return;
    }
  }
}

/** The request after demultiplexing and decoding: credentials looked up, then the core. */
function handleDecoded(ing: Ingress, transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage): void {
  const key = `${transport.id} ${ip} ${port}`;
  const queue = waitingOf(ing).get(key);
  if (queue !== undefined) {
    if (queue.length >= MAX_WAITING) return ing.core.counters.drop('credential-wait-full');
    queue.push(() => handleDecoded(ing, transport, ip, port, msg));
    return;
  }
  if (!carriesCredentials(msg)) return ing.core.handleStun(transport, ip, port, msg, undefined, ing.now());
  const now = ing.now();
  // No store look-up (a database round trip, perhaps) for a request whose nonce or realm fails
  // anyway, nor for one on an allocation, which is checked against the allocation's key.
  const pre = ing.core.precheckCredentials(transport, ip, port, msg, now);
  if (pre === 'skip') return ing.core.handleStun(transport, ip, port, msg, undefined, now);
  if (pre !== 'lookup') return ing.core.handleStun(transport, ip, port, msg, pre, now);
  let lookup: KeyLookup | Promise<KeyLookup>;
  try {
    lookup = askStore(ing, msg, now, { ip, port, transport: transport.protocol });
  } catch (err) {
    return lookupFailed(ing, err);
  }
  if (!(lookup instanceof Promise)) return ing.core.handleStun(transport, ip, port, msg, lookup, now);
  waitingOf(ing).set(key, []);
  lookup.then(
    (found) => {
      // Outside the caller's guard now: a throw here would be an unhandled rejection.
      try {
        ing.core.handleStun(transport, ip, port, msg, found, ing.now());
      } catch (err) {
        ing.guard.fault('credential-answer', err);
      }
      resume(ing, key);
    },
    (err: unknown) => {
      lookupFailed(ing, err);
      resume(ing, key);
    },
  );
}

/**
 * The key look-up for a request's credentials: an access token's MAC key (RFC 7635), the
 * store's keys for USERNAME, or for the user a USERHASH names (RFC 8489 §14.4), which only
 * stores that know their users' names can find.
 */
function askStore(ing: Ingress, msg: DecodedStunMessage, now: number, source: ClientSource): KeyLookup | Promise<KeyLookup> {
  const username = getAttribute(msg, Attr.Username);
  const realm = getAttribute(msg, Attr.Realm) ?? '';
  const tokens = ing.core.options.oauth === true ? ing.tokens : undefined;
  const token = tokens === undefined ? undefined : getAttribute(msg, Attr.AccessToken);
  // RFC 7635 §6.2: the token is sealed for this server's name (coturn: `server-name`, else the realm).
  if (token !== undefined && username !== undefined) return tokens!.lookup(username, token, ing.core.options.oauthServerName || realm, now);
  if (username !== undefined) return ing.store.lookup(username, realm, now, source);
  const userhash = getAttribute(msg, Attr.Userhash);
  const named = userhash === undefined || ing.core.options.passwordAlgorithms !== true ? undefined : ing.store.resolveUserhash?.(userhash, realm);
  if (named === undefined) return { keys: [], reason: 'unknown-user' };
  const found = ing.store.lookup(named, realm, now, source);
  return found instanceof Promise ? found.then((f) => ({ ...f, username: named })) : { ...found, username: named };
}

/** Whether `msg` carries a MESSAGE-INTEGRITY(-SHA256) that `key` verifies (the SHA-256 one when both are there). */
function verifiesWith(msg: DecodedStunMessage, key: Uint8Array): boolean {
  return msg.integritySha256Offset >= 0 ? verifyMessageIntegritySha256(msg, key) : verifyMessageIntegrity(msg, key);
}

/**
 * The embedding program's permission hook (the library API's `permissionHandler`), asked for
 * each XOR-PEER-ADDRESS of a CreatePermission, ChannelBind or Connect request before the core sees it;
 * the core answers 403 for a peer the hook refused (src/turn/peer-check.ts). Only a request
 * whose MESSAGE-INTEGRITY verifies with its allocation's key (or any, under `no-auth`) reaches
 * the hook: for any other, every peer counts as refused, and the core answers its 401, 437 or
 * 438 as before. A hook that throws refuses, and is counted as a fault.
 */
function askPermissionHook(ing: Ingress, permit: PermissionHandler, transport: ClientTransport, ip: string, port: number, msg: DecodedStunMessage): void {
  const peers = getAttributes(msg, Attr.XorPeerAddress);
  if (peers.length === 0) return handleDecoded(ing, transport, ip, port, msg);
  let trusted = ing.core.options.noAuth;
  if (!trusted && carriesCredentials(msg)) {
    const pre = ing.core.precheckCredentials(transport, ip, port, msg, ing.now());
    trusted = typeof pre === 'object' && pre.keys.some((key) => verifiesWith(msg, key));
  }
  if (!trusted) {
    for (const peer of peers) refusePeerByHook(peer);
    return handleDecoded(ing, transport, ip, port, msg);
  }
  const source = { ip, port, transport: transport.protocol };
  const ask = async (peer: (typeof peers)[number]): Promise<void> => {
    let allowed = false;
    try {
      allowed = (await permit(source, { ip: peer.address, port: peer.port })) === true;
    } catch (err) {
      ing.guard.fault('credential-answer', err);
    }
    if (!allowed) refusePeerByHook(peer);
  };
  void Promise.all(peers.map(ask)).then(() => {
    // Outside the caller's guard now: a throw here would be an unhandled rejection.
    try {
      handleDecoded(ing, transport, ip, port, msg);
    } catch (err) {
      ing.guard.fault('credential-answer', err);
    }
  });
}

function lookupFailed(ing: Ingress, err: unknown): void {
  // A broken user database must not take the server down: the request is dropped and counted,
  // and the client retransmits.
  ing.core.credentialStoreFailed(err);
}
