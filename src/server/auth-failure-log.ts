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

/** See the module comment. */
export class AuthFailureLog {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** An `auth-failed` event from the core. */
  record(fields: Record<string, unknown>): void {
    const reason = String(fields.reason);
    if (reason === 'stale-nonce') return this.#log.debug('auth-failed', fields);
    const address = String(fields.client ?? '').replace(/:\d+$/, '');
    const key = `${address}|${reason}`;
    const now = this.#now();
    const last = this.#seen.get(key);
    if (last !== undefined && now - last < AUTH_LOG_WINDOW_MS) return this.#log.debug('auth-failed', fields);
    this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value!);
    this.#log.warn('auth-failed', { ...fields, repeats: 'logged once per client address and reason every 10 minutes' });
  }
}
