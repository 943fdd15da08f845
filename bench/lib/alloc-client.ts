/**
 * The allocation set-up load: many TURN clients over UDP, each on its own socket (its own
 * 5-tuple, RFC 8656 §2), running the full sequence a WebRTC client runs — Allocate without
 * credentials → 401 with REALM and NONCE (RFC 8489 §9.2.4), Allocate with long-term
 * credentials (RFC 8656 §7.1), CreatePermission (§9.1), ChannelBind (§12.1) — with many in
 * flight at once. The allocations stay open until `releaseAllocations` (Refresh with
 * LIFETIME 0, RFC 8656 §8), so the server's memory per live allocation can be read.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { UdpTransactions } from '../../src/client/transactions.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method, MessageClass, type DecodedStunMessage, type StunAttribute, type TransportAddress } from '../../src/stun/types.ts';

/** The server and the peer the allocations are for. */
export interface AllocationTarget {
  serverPort: number;
  user: string;
  password: string;
  peerPort: number;
  /**
   * When set, the i-th set-up of an `openAllocations` call (i from 0, in the order of its
   * sockets) authenticates as `userFor(i)` instead of `user`/`password`.
   */
  userFor?: (i: number) => { user: string; password: string };
}

/** One live allocation and what its client needs to refresh or delete it. */
export interface HeldAllocation {
  socket: dgram.Socket;
  tx: UdpTransactions;
  /** the USERNAME it authenticated as: its Refresh and other requests are signed as the same user */
  user: string;
  realm: string;
  nonce: string;
  key: Uint8Array;
  relayed: TransportAddress;
}

const HOST = '127.0.0.1';
/** RFC 8656 §12: the first channel number; each allocation has its own 5-tuple, so all may use it. */
const CHANNEL = 0x4000;
const UDP = 17;

/** Binds `n` client sockets on 127.0.0.1 (before any timing starts). */
export async function bindClientSockets(n: number): Promise<dgram.Socket[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, HOST, () => resolve()));
      s.on('error', () => {});
      // Held open after use (see releaseAllocations), they must not keep the bench alive.
      s.unref();
      return s;
    }),
  );
}

function request(method: number, attributes: StunAttribute[]): { method: number; class: 0; transactionId: Uint8Array; attributes: StunAttribute[] } {
  return { method, class: MessageClass.Request, transactionId: randomBytes(12), attributes };
}

function failure(step: string, answer: DecodedStunMessage): Error {
  const e = getAttribute(answer, Attr.ErrorCode);
  return new Error(`${step}: ${e ? `${e.code} ${e.reason}` : 'unexpected answer'}`);
}

const keys = new Map<string, Uint8Array>();

function keyFor(user: string, realm: string, password: string): Uint8Array {
  const id = `${user}\0${realm}\0${password}`;
  let k = keys.get(id);
  if (k === undefined) keys.set(id, (k = longTermKey(user, realm, password)));
  return k;
}

/** Sends an authenticated request, following one 438 Stale Nonce (RFC 8489 §9.2.5). */
async function signed(h: Omit<HeldAllocation, 'relayed'>, t: AllocationTarget, method: number, attrs: StunAttribute[]): Promise<DecodedStunMessage> {
  for (let attempt = 0; ; attempt++) {
    const creds: StunAttribute[] = [
      { type: Attr.Username, value: h.user },
      { type: Attr.Realm, value: h.realm },
      { type: Attr.Nonce, value: h.nonce },
    ];
    const answer = await h.tx.request(request(method, [...attrs, ...creds]), HOST, t.serverPort, { integrityKey: h.key }, 250, 6);
    const nonce = getAttribute(answer, Attr.Nonce);
    if (answer.class === MessageClass.ErrorResponse && getAttribute(answer, Attr.ErrorCode)?.code === 438 && nonce !== undefined && attempt === 0) {
      h.nonce = nonce;
      continue;
    }
    return answer;
  }
}

/** Runs 401 → Allocate → CreatePermission → ChannelBind on one socket. */
export async function openAllocation(socket: dgram.Socket, t: AllocationTarget): Promise<HeldAllocation> {
  const tx = new UdpTransactions(socket);
  const transport: StunAttribute = { type: Attr.RequestedTransport, value: UDP };
  const challenge = await tx.request(request(Method.Allocate, [transport]), HOST, t.serverPort, {}, 250, 6);
  const realm = getAttribute(challenge, Attr.Realm);
  const nonce = getAttribute(challenge, Attr.Nonce);
  if (getAttribute(challenge, Attr.ErrorCode)?.code !== 401 || realm === undefined || nonce === undefined) throw failure('Allocate without credentials', challenge);
  const h = { socket, tx, user: t.user, realm, nonce, key: keyFor(t.user, realm, t.password) };
  const allocated = await signed(h, t, Method.Allocate, [transport]);
  const relayed = getAttribute(allocated, Attr.XorRelayedAddress);
  if (allocated.class !== MessageClass.SuccessResponse || relayed === undefined) throw failure('Allocate', allocated);
  const peer: StunAttribute = { type: Attr.XorPeerAddress, value: { family: 'IPv4', address: HOST, port: t.peerPort } };
  const permitted = await signed(h, t, Method.CreatePermission, [peer]);
  if (permitted.class !== MessageClass.SuccessResponse) throw failure('CreatePermission', permitted);
  const bound = await signed(h, t, Method.ChannelBind, [{ type: Attr.ChannelNumber, value: CHANNEL }, peer]);
  if (bound.class !== MessageClass.SuccessResponse) throw failure('ChannelBind', bound);
  return { ...h, relayed };
}

/** What `openAllocations` achieved. */
export interface OpenedAllocations {
  held: HeldAllocation[];
  failed: number;
  firstError: string | undefined;
  /** performance.now() ms at the first request and after the last answer */
  startedAt: number;
  endedAt: number;
}

/** Opens one allocation per socket with at most `concurrency` set-ups in flight (as `t.userFor(i)` for the i-th socket when given). */
export async function openAllocations(sockets: dgram.Socket[], t: AllocationTarget, concurrency: number): Promise<OpenedAllocations> {
  const held: HeldAllocation[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sockets.length) {
      const i = next++;
      try {
        const as = t.userFor?.(i);
        held.push(await openAllocation(sockets[i], as === undefined ? t : { ...t, user: as.user, password: as.password }));
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, sockets.length) }, worker));
  return { held, failed, firstError, startedAt, endedAt: performance.now() };
}

/**
 * Deletes the allocations (Refresh with LIFETIME 0, RFC 8656 §8). The sockets stay open: coturn
 * keeps a deleted allocation's 5-tuple for a while and answers a new Allocate from it with 437,
 * so their ports must not go to the next load's clients until the server is gone.
 */
export async function releaseAllocations(held: HeldAllocation[], t: AllocationTarget, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < held.length) {
      const h = held[next++];
      try {
        await signed(h, t, Method.Refresh, [{ type: Attr.Lifetime, value: 0 }]);
      } catch {
        // An allocation that cannot be deleted expires on its own; the server is stopped anyway.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(held.length, 1)) }, worker));
  for (const h of held) h.tx.close();
}

/** Closes client sockets. */
export async function closeSockets(sockets: dgram.Socket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}
