/**
 * The native addon's DTLS-SRTP endpoints (`native/src/sfu/dtls-srtp.c`, RFC 5763/5764/8842),
 * typed: a certificate made at start, and one connection per peer connection that JavaScript
 * feeds with DTLS datagrams and whose outputs it sends.
 */
import { loadAddon } from '../../dataplane/native/addon.ts';

/** SRTP keying from a completed handshake (RFC 5764 §4.2), as this side uses it. */
export interface SrtpKeys {
  /** IANA DTLS-SRTP protection profile: 1, 2, 7 or 8 */
  readonly profile: number;
  readonly localKey: Buffer;
  readonly localSalt: Buffer;
  readonly remoteKey: Buffer;
  readonly remoteSalt: Buffer;
}

export type DtlsState = 'new' | 'handshaking' | 'connected' | 'failed' | 'closed';

/** What one call to a connection produced. */
export interface DtlsResult {
  readonly out: Buffer[];
  readonly app: Buffer[];
  readonly state: DtlsState;
  readonly error?: string;
  readonly srtp?: SrtpKeys;
}

type Handle = { readonly __dtlsSrtp: unique symbol };

/** The addon's DTLS-SRTP functions. */
export interface DtlsSrtpAddon {
  dtlsSrtpCertificate(): { handle: Handle; fingerprint: string };
  dtlsSrtpConnection(cert: Handle, role: 'client' | 'server', remoteFingerprint: string): Handle;
  dtlsSrtpStart(c: Handle): DtlsResult;
  dtlsSrtpFeed(c: Handle, datagram: Buffer): DtlsResult;
  dtlsSrtpWrite(c: Handle, data: Buffer): DtlsResult;
  dtlsSrtpHandleTimeout(c: Handle): DtlsResult;
  dtlsSrtpClose(c: Handle): DtlsResult;
  dtlsSrtpTimeout(c: Handle): number;
  dtlsSrtpCounters(): { handshakes: number; failures: number; badRecords: number };
}

/** The addon's DTLS-SRTP functions, or why there are none. */
export function dtlsSrtpAddon(): { ok: true; value: DtlsSrtpAddon } | { ok: false; error: string } {
  const loaded = loadAddon();
  if (!loaded.ok) return { ok: false, error: loaded.reason };
  const a = loaded.addon as unknown as Partial<DtlsSrtpAddon> & { dtlsSrtpUnavailable?: string };
  if (typeof a.dtlsSrtpCertificate !== 'function') return { ok: false, error: a.dtlsSrtpUnavailable ?? 'the native addon has no DTLS-SRTP' };
  return { ok: true, value: a as DtlsSrtpAddon };
}

/** A certificate and the connections that present it. */
export class DtlsCertificate {
  readonly fingerprint: string;
  readonly #addon: DtlsSrtpAddon;
  readonly #handle: Handle;

  constructor(addon: DtlsSrtpAddon) {
    const c = addon.dtlsSrtpCertificate();
    this.#addon = addon;
    this.#handle = c.handle;
    this.fingerprint = c.fingerprint;
  }

  /** A connection expecting the peer's certificate to match `remoteFingerprint` ("sha-256 AB:…"). */
  connection(role: 'client' | 'server', remoteFingerprint: string): DtlsConnection {
    return new DtlsConnection(this.#addon, this.#addon.dtlsSrtpConnection(this.#handle, role, remoteFingerprint));
  }
}

/** One DTLS association over memory. */
export class DtlsConnection {
  readonly #addon: DtlsSrtpAddon;
  readonly #h: Handle;

  constructor(addon: DtlsSrtpAddon, h: Handle) {
    this.#addon = addon;
    this.#h = h;
  }

  start(): DtlsResult {
    return this.#addon.dtlsSrtpStart(this.#h);
  }

  feed(datagram: Buffer): DtlsResult {
    return this.#addon.dtlsSrtpFeed(this.#h, datagram);
  }

  write(data: Uint8Array): DtlsResult {
    return this.#addon.dtlsSrtpWrite(this.#h, Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  handleTimeout(): DtlsResult {
    return this.#addon.dtlsSrtpHandleTimeout(this.#h);
  }

  /** ms until the next retransmission, or -1 */
  timeout(): number {
    return this.#addon.dtlsSrtpTimeout(this.#h);
  }

  close(): DtlsResult {
    return this.#addon.dtlsSrtpClose(this.#h);
  }
}
