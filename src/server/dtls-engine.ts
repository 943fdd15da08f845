/**
 * The DTLS engine (RFC 6347) as the server sees it: OpenSSL sessions over memory in the
 * native addon (native/src/dtls*.c), fed datagram by datagram from whichever data plane owns
 * the UDP sockets. Loaded apart from the data plane: a server on the `js` plane still uses
 * the addon for DTLS when it was built. When it cannot be had, `loadDtlsEngine` says why.
 */
import type { TlsOptions } from '../config/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { loadAddon } from '../dataplane/native/addon.ts';

/** An OpenSSL DTLS server context (certificate, key, ciphers, cookie secret). */
export type DtlsContextHandle = { readonly __dtlsContext: unique symbol };
/** One client's DTLS session. */
export type DtlsSessionHandle = { readonly __dtlsSession: unique symbol };

/** What `dtlsListen` made of a datagram from an address without a session. */
export type DtlsListenStatus =
  | 'verify' // RFC 6347 §4.2.1: answered with a HelloVerifyRequest, nothing kept
  | 'accepted' // the cookie was valid: a session, its first flight in `out`
  | 'refused' // OpenSSL's listen dropped it (a cookie that does not verify, a bad hello)
  | 'handshake-failed'
  | 'not-client-hello'
  | 'truncated'
  | 'bad-type'
  | 'bad-version'
  | 'too-long'
  | 'no-memory';

/** A session's state after a datagram. */
export type DtlsFeedState = 'handshaking' | 'established' | 'closed' | 'failed' | 'malformed';

/** The addon's DTLS functions (native/src/dtls-napi.c). */
export interface DtlsAddon {
  dtlsContext(cert: string, pkey: string, pkeyPwd: string, cipherList: string, caFile: string, ecCurve: string, secret: Uint8Array): DtlsContextHandle;
  dtlsSetSecret(ctx: DtlsContextHandle, secret: Uint8Array): void;
  dtlsListen(ctx: DtlsContextHandle, ip: string, port: number, datagram: Uint8Array): [DtlsListenStatus, DtlsSessionHandle | null, Buffer[]];
  dtlsFeed(session: DtlsSessionHandle, datagram: Uint8Array): [DtlsFeedState, Buffer[], Buffer[]];
  dtlsWrite(session: DtlsSessionHandle, data: Uint8Array): Buffer[];
  dtlsTimer(session: DtlsSessionHandle): Buffer[];
  dtlsClose(session: DtlsSessionHandle, notify: boolean): Buffer[];
  dtlsInfo(session: DtlsSessionHandle): string;
}

/** The engine and a context for the configured certificate. */
export interface DtlsEngine {
  addon: DtlsAddon;
  context: DtlsContextHandle;
}

/** Length of the cookie secret (HMAC-SHA256 key). */
export const DTLS_SECRET_BYTES = 32;

/**
 * The engine with a context for `tls`, or why there is none (no native build, or one built
 * without libssl-dev). Throws `TurnpikeError` CONFIG_INVALID when OpenSSL refuses the
 * certificate, key, cipher list, curve or CA file.
 */
export function loadDtlsEngine(tls: TlsOptions, secret: Uint8Array): { ok: true; engine: DtlsEngine } | { ok: false; reason: string } {
  if (tls.cert === undefined || tls.pkey === undefined) return { ok: false, reason: 'no cert and pkey' };
  const loaded = loadAddon();
  if (!loaded.ok) return { ok: false, reason: `DTLS is served by the native addon: ${loaded.reason}` };
  const addon = loaded.addon as unknown as Partial<DtlsAddon> & { dtlsUnavailable?: string };
  if (typeof addon.dtlsContext !== 'function') {
    return { ok: false, reason: addon.dtlsUnavailable ?? 'the native addon has no DTLS engine: install libssl-dev and rebuild it (node scripts/build-native.mjs)' };
  }
  const full = addon as DtlsAddon;
  try {
    const context = full.dtlsContext(tls.cert, tls.pkey, tls.pkeyPwd ?? '', tls.cipherList ?? '', tls.caFile ?? '', tls.ecCurveName ?? '', secret);
    return { ok: true, engine: { addon: full, context } };
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `DTLS: OpenSSL refused option ${(err as Error).message}`, { cause: err });
  }
}
