/**
 * A credential store backed by an embedding program's hooks, as pion/turn's `AuthHandler` and
 * `PermissionHandler` (the library API, src/lib/turn.ts): the program answers "what is this
 * user's password (or long-term key)?" and "may this client reach that peer?", either at once
 * or with a promise. Ingress (src/server/ingress.ts) passes the client's address to `lookup`,
 * and awaits the permission handler (the server's `permitPeer`) for CreatePermission and ChannelBind;
 * neither is ever on the relay path (ChannelData and Send indications do not ask).
 */
import type { ClientSource, CredentialStore, KeyLookup, SyncCredentialStore } from './credential-store.ts';
import { longTermKey, longTermKeyUnprepared } from './long-term-key.ts';

export type { ClientSource } from './credential-store.ts';

/** A peer a client asks to reach (XOR-PEER-ADDRESS). */
export interface PeerAddress {
  readonly ip: string;
  readonly port: number;
}

/**
 * pion/turn's AuthHandler: the password of `username` in `realm`, or its 16-byte long-term key
 * MD5(username ":" realm ":" password); `undefined` when the user is unknown (401). A throw or
 * a rejected promise drops the request (counted; the client retransmits), as a database outage does.
 */
export type AuthHandler = (
  username: string,
  realm: string,
  source: ClientSource,
) => string | Uint8Array | undefined | Promise<string | Uint8Array | undefined>;

/**
 * pion/turn's PermissionHandler: whether the authenticated client may install a permission or
 * bind a channel to `peer` (false: 403). Asked once per peer address of each CreatePermission
 * and ChannelBind request, on top of the peer ranges the configuration refuses.
 */
export type PermissionHandler = (source: ClientSource, peer: PeerAddress) => boolean | Promise<boolean>;

/** A credential store that can also be asked with the client's address, and decide on peers. */
export interface HookCredentialStoreOptions {
  authHandler?: AuthHandler;
  /** asked when there is no auth handler or it knows no such user: static users, REST secrets */
  fallback?: SyncCredentialStore;
}

/** MD5 long-term keys are 16 bytes (RFC 8489 §9.2.2). */
const KEY_BYTES = 16;

/** The keys a hook's answer stands for; none for `undefined` or a key of the wrong size. */
export function keysOfAnswer(username: string, realm: string, answer: string | Uint8Array | undefined): Uint8Array[] {
  if (answer === undefined) return [];
  if (typeof answer !== 'string') return answer.byteLength === KEY_BYTES ? [Uint8Array.from(answer)] : [];
  // As for `user=` lines: browsers hash the password unprepared, so both spellings are offered.
  const prepared = longTermKey(username, realm, answer);
  const raw = longTermKeyUnprepared(username, realm, answer);
  return prepared.equals(raw) ? [prepared] : [prepared, raw];
}

/** See the module comment. Without a source, only the fallback answers. */
export function createHookCredentialStore(opts: HookCredentialStoreOptions): CredentialStore {
  const { authHandler, fallback } = opts;
  const unknown: KeyLookup = { keys: [], reason: 'unknown-user' };
  const fromFallback = (username: string, realm: string, nowMs: number): KeyLookup => fallback?.lookup(username, realm, nowMs) ?? { ...unknown };
  const settle = (username: string, realm: string, nowMs: number, answer: string | Uint8Array | undefined): KeyLookup => {
    const keys = keysOfAnswer(username, realm, answer);
    return keys.length > 0 ? { keys } : fromFallback(username, realm, nowMs);
  };
  return {
    lookup(username, realm, nowMs, source) {
      if (authHandler === undefined || source === undefined) return fromFallback(username, realm, nowMs);
      const answer = authHandler(username, realm, source);
      if (answer === undefined || typeof answer === 'string' || answer instanceof Uint8Array) return settle(username, realm, nowMs, answer);
      // Any thenable: ingress waits for a native promise.
      return Promise.resolve(answer).then((a) => settle(username, realm, nowMs, a));
    },
  };
}
