/**
 * Authentication failures in the log, once per client address and reason every ten minutes
 * (a client that retries forever writes one line, not thousands), each with the reason in
 * words and a hint (`src/turn/auth-explain.ts`). Stale nonces are the normal course of a long
 * allocation and stay at debug level.
 */
import type { Logger } from '../log/logger.ts';

/** How long one client address and reason stay quiet after being logged. */
export const AUTH_LOG_WINDOW_MS = 10 * 60_000;
/** Client addresses and reasons remembered at once. */
const MAX_REMEMBERED = 10_000;
/** Recent failures kept for `recent` (the trickle-ICE page asks for its own). */
const MAX_RECENT = 500;

/** One recent failure, as `recent` gives it. */
export interface RecentAuthFailure {
  time: number;
  /** the client's address, without its port */
  address: string;
  reason: string;
  user: string | undefined;
  why: string;
  hint: string;
}

/** See the module comment. */
export class AuthFailureLog {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();
  readonly #recent: RecentAuthFailure[] = [];

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** An `auth-failed` event from the core. */
  record(fields: Record<string, unknown>): void {
    const reason = String(fields.reason);
    if (reason === 'stale-nonce') return this.#log.debug('auth-failed', fields);
    const address = String(fields.client ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    this.#recent.push({ time: this.#now(), address, reason, user: fields.user === undefined ? undefined : String(fields.user), why: String(fields.why ?? reason), hint: String(fields.hint ?? '') });
    if (this.#recent.length > MAX_RECENT) this.#recent.shift();
    const key = `${address}|${reason}`;
    const now = this.#now();
    const last = this.#seen.get(key);
    if (last !== undefined && now - last < AUTH_LOG_WINDOW_MS) return this.#log.debug('auth-failed', fields);
    this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!);
    this.#log.warn('auth-failed', { ...fields, repeats: 'logged once per client address and reason every 10 minutes' });
  }

  /** Failures from `address` (any address when undefined) since `sinceMs`, newest last. */
  recent(address: string | undefined, sinceMs: number): RecentAuthFailure[] {
    return this.#recent.filter((f) => f.time >= sinceMs && (address === undefined || f.address === address));
  }
}
