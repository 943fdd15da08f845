/**
 * DTLS client transports (RFC 8656 §3.1 "TURN over DTLS"; RFC 6347), as coturn serves them: on
 * the plain UDP listening port (told apart by the first byte, RFC 7983 §7: 20-63 is DTLS) and
 * on UDP `tls-listening-port` / `alt-tls-listening-port`. Either data plane hands these
 * datagrams to ingress, which hands them here. Each DTLS session is its own ClientTransport
 * (protocol 'dtls'): what it decrypts is ingested as STUN or ChannelData from it, and what
 * the core sends through it is encrypted and leaves on the UDP socket it came in on.
 *
 * Defences (docs/security.md): a ClientHello without a valid cookie gets a HelloVerifyRequest
 * and costs no state (RFC 6347 §4.2.1); handshakes in progress are capped in total and per
 * source IP and time out; sessions are capped, and one without an allocation goes after an
 * idle period; the cookie secret is rotated. Everything refused is counted.
 */
import type { ClientTransport } from '../turn/five-tuple.ts';
import type { DropReason } from '../turn/drop-reason.ts';
import { ingestGuarded, type Ingress } from './ingress.ts';
import { nextTransportId } from './transport-ids.ts';
import type { TlsOptions } from '../config/types.ts';
import { DTLS_SECRET_BYTES, loadDtlsEngine, type DtlsEngine, type DtlsSessionHandle } from './dtls-engine.ts';

/** Limits and timers of the DTLS server. */
export interface DtlsLimits {
  /** handshakes in progress (a valid cookie seen, not finished), in total */
  maxHalfOpen: number;
  /** handshakes in progress from one source IP */
  maxHalfOpenPerIp: number;
  /** sessions in total (established and half-open) */
  maxSessions: number;
  /** a handshake not finished after this long is dropped */
  handshakeTimeoutMs: number;
  /** a session with no allocation and no record for this long is closed */
  idleWithoutAllocationMs: number;
  /** how often the cookie secret changes (the previous one still verifies) */
  secretRotationMs: number;
}

export const DEFAULT_DTLS_LIMITS: DtlsLimits = {
  maxHalfOpen: 1024,
  maxHalfOpenPerIp: 16,
  maxSessions: 65536,
  handshakeTimeoutMs: 10_000,
  idleWithoutAllocationMs: 30_000,
  secretRotationMs: 60_000,
};

/** What the DTLS server has done, for tests, metrics and docs/security.md's measurements. */
export interface DtlsStats {
  halfOpen: number;
  established: number;
  helloVerifySent: number;
  handshakesCompleted: number;
  bytesIn: number;
  bytesOut: number;
}

interface Session {
  readonly key: string;
  readonly handle: DtlsSessionHandle;
  /** the UDP transport (listening socket) the session's datagrams use */
  readonly under: ClientTransport;
  readonly ip: string;
  readonly port: number;
  readonly transport: ClientTransport;
  established: boolean;
  startedAt: number;
  lastSeen: number;
}

/** See the module comment. */
export class DtlsServer {
  #engine: DtlsEngine;
  readonly #ing: Ingress;
  readonly #limits: DtlsLimits;
  readonly #random: (n: number) => Uint8Array;
  readonly #sessions = new Map<string, Session>();
  /** source IP → handshakes in progress */
  readonly #halfOpenByIp = new Map<string, number>();
  #halfOpen = 0;
  #rotatedAt: number;
  readonly #stats: DtlsStats = { halfOpen: 0, established: 0, helloVerifySent: 0, handshakesCompleted: 0, bytesIn: 0, bytesOut: 0 };

  constructor(engine: DtlsEngine, ing: Ingress, random: (n: number) => Uint8Array, limits: Partial<DtlsLimits> = {}) {
    this.#engine = engine;
    this.#ing = ing;
    this.#random = random;
    this.#limits = { ...DEFAULT_DTLS_LIMITS, ...limits };
    this.#rotatedAt = ing.now();
  }

  /** A DTLS datagram (first byte 20-63) from `ip:port` on the UDP transport `under`. */
  handle(under: ClientTransport, ip: string, port: number, buf: Uint8Array): void {
    this.#stats.bytesIn += buf.length;
    const key = `${under.localIp}|${under.localPort}|${ip}|${port}`;
    const session = this.#sessions.get(key);
    if (session !== undefined) return this.#feed(session, buf);
    this.#listen(key, under, ip, port, buf);
  }

  /** RFC 6347 §4.2.1: no session yet; only a ClientHello with a valid cookie makes one. */
  #listen(key: string, under: ClientTransport, ip: string, port: number, buf: Uint8Array): void {
    const a = this.#engine.addon;
    // Caps are checked before OpenSSL sees the hello: a client over them gets no cookie either.
    const refusal = this.#capped(ip);
    if (refusal !== undefined) return this.#drop(refusal);
    const [status, handle, out] = a.dtlsListen(this.#engine.context, ip, port, buf);
    this.#sendAll(under, ip, port, out);
    if (status === 'verify') {
      this.#stats.helloVerifySent++;
      return;
    }
    if (status !== 'accepted' || handle === null) return this.#drop(listenDrop(status));
    const now = this.#ing.now();
    const session: Session = { key, handle, under, ip, port, transport: this.#transportFor(handle, under, ip, port), established: false, startedAt: now, lastSeen: now };
    this.#sessions.set(key, session);
    this.#halfOpen++;
    this.#halfOpenByIp.set(ip, (this.#halfOpenByIp.get(ip) ?? 0) + 1);
  }

  #capped(ip: string): DropReason | undefined {
    if (this.#sessions.size >= this.#limits.maxSessions) return 'dtls-session-limit';
    if (this.#halfOpen >= this.#limits.maxHalfOpen) return 'dtls-half-open-limit';
    if ((this.#halfOpenByIp.get(ip) ?? 0) >= this.#limits.maxHalfOpenPerIp) return 'dtls-half-open-per-ip-limit';
    return undefined;
  }

  /** The ClientTransport of one session: the core's answers and relayed data are encrypted. */
  #transportFor(handle: DtlsSessionHandle, under: ClientTransport, ip: string, port: number): ClientTransport {
    const a = this.#engine.addon;
    return {
      id: nextTransportId(),
      protocol: 'dtls',
      localIp: under.localIp,
      localPort: under.localPort,
      send: (_ip, _port, data) => {
        const out = a.dtlsWrite(handle, data);
        // Nothing comes out of a session whose handshake is not done, or that has ended.
        if (out.length === 0) return this.#drop('dtls-not-ready');
        this.#sendAll(under, ip, port, out);
      },
    };
  }

  #feed(s: Session, buf: Uint8Array): void {
    const [state, out, records] = this.#engine.addon.dtlsFeed(s.handle, buf);
    this.#sendAll(s.under, s.ip, s.port, out);
    s.lastSeen = this.#ing.now();
    if (state === 'malformed') return this.#drop('dtls-malformed');
    if (state === 'failed') return this.#end(s, 'dtls-handshake-failed', false);
    if (state === 'handshaking') return;
    if (!s.established) this.#established(s);
    for (const record of records) ingestGuarded(this.#ing, 'dtls-ingress', s.transport, s.ip, s.port, record);
    // RFC 5246 §7.2.1: the client's close_notify is answered with ours; its allocations go.
    if (state === 'closed' && this.#sessions.get(s.key) === s) this.#end(s, 'dtls-closed-by-client', true);
  }

  #established(s: Session): void {
    s.established = true;
    this.#halfOpenDone(s.ip);
    this.#stats.handshakesCompleted++;
  }

  #halfOpenDone(ip: string): void {
    this.#halfOpen--;
    const n = (this.#halfOpenByIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.#halfOpenByIp.delete(ip);
    else this.#halfOpenByIp.set(ip, n);
  }

  /** Ends a session: close_notify when it was up, its allocations deleted (as for a closed TCP connection). */
  #end(s: Session, why: DropReason | undefined, notify: boolean): void {
    if (this.#sessions.get(s.key) !== s) return;
    this.#sessions.delete(s.key);
    if (!s.established) this.#halfOpenDone(s.ip);
    if (why !== undefined) this.#drop(why);
    this.#sendAll(s.under, s.ip, s.port, this.#engine.addon.dtlsClose(s.handle, notify && s.established));
    this.#ing.core.transportClosed(s.transport, this.#ing.now());
  }

  #sendAll(under: ClientTransport, ip: string, port: number, datagrams: Buffer[]): void {
    for (const d of datagrams) {
      this.#stats.bytesOut += d.length;
      under.send(ip, port, d);
    }
  }

  #drop(reason: DropReason): void {
    this.#ing.core.counters.drop(reason);
  }

  /** The 1-second sweep: retransmissions (RFC 6347 §4.2.4), handshake and idle timeouts, the cookie secret. */
  tick(now: number): void {
    if (now - this.#rotatedAt >= this.#limits.secretRotationMs) this.rotateSecret(now);
    for (const s of [...this.#sessions.values()]) {
      if (!s.established) {
        if (now - s.startedAt >= this.#limits.handshakeTimeoutMs) this.#end(s, 'dtls-handshake-timeout', false);
        else this.#sendAll(s.under, s.ip, s.port, this.#engine.addon.dtlsTimer(s.handle));
      } else if (now - s.lastSeen >= this.#limits.idleWithoutAllocationMs && this.#ing.core.findAllocation(s.transport, s.ip, s.port) === undefined) {
        this.#end(s, 'dtls-idle-timeout', true);
      }
    }
  }

  /** A new cookie secret; cookies made under the previous one still verify until the next rotation. */
  rotateSecret(now: number): void {
    this.#engine.addon.dtlsSetSecret(this.#engine.context, this.#random(DTLS_SECRET_BYTES));
    this.#rotatedAt = now;
  }

  /**
   * A context for new certificates (a reload): made now, so that OpenSSL's refusal throws
   * (`TurnpikeError` CONFIG_INVALID) before anything changed; the function returned puts it in
   * use for new sessions (sessions up keep theirs). Undefined when `tls` names no certificate.
   */
  prepareCertificates(tls: TlsOptions): (() => void) | undefined {
    const loaded = loadDtlsEngine(tls, this.#random(DTLS_SECRET_BYTES));
    if (!loaded.ok) return undefined;
    return () => {
      this.#engine = loaded.engine;
    };
  }

  stats(): DtlsStats {
    return { ...this.#stats, halfOpen: this.#halfOpen, established: this.#sessions.size - this.#halfOpen };
  }

  /** Every session ends with close_notify (server shutdown). */
  close(): void {
    for (const s of [...this.#sessions.values()]) this.#end(s, undefined, true);
  }
}

/** The counter for a ClientHello `dtlsListen` would not take. */
function listenDrop(status: string): DropReason {
  if (status === 'not-client-hello') return 'dtls-no-session';
  if (status === 'refused') return 'dtls-cookie-refused';
  if (status === 'handshake-failed') return 'dtls-handshake-failed';
  return 'dtls-malformed';
}
