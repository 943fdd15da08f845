/**
 * The state of the server's link to its user database. A failure opens an outage: logged
 * once, with the backend and the error (never a password: backends keep them out of their
 * messages), then calls are held off with a growing backoff so a dead database is not
 * hammered by every client; the first success after it closes the outage and says so.
 */
import type { Logger } from '../log/logger.ts';

/** First and longest wait before the database is tried again after a failure (ms). */
export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/** See the module comment. `now` is injected for tests. */
export class DatabaseHealth {
  readonly #log: Logger;
  readonly #backend: string;
  #downSince = -1;
  #retryAt = 0;
  #backoff = BACKOFF_FIRST_MS;
  #failures = 0;
  /** round trips answered or failed since start (for metrics) */
  calls = 0;
  /** round trips that failed since start (for metrics) */
  callFailures = 0;

  constructor(log: Logger, backend: string) {
    this.#log = log;
    this.#backend = backend;
  }

  /** Is the database in an outage and still backing off (answer without asking it)? */
  holdingOff(now: number): boolean {
    return this.#downSince >= 0 && now < this.#retryAt;
  }

  /** Is there an outage at all? */
  get down(): boolean {
    return this.#downSince >= 0;
  }

  /** Calls that failed during the current outage. */
  get failures(): number {
    return this.#failures;
  }

  /** A call succeeded. */
  succeeded(now: number): void {
    this.calls++;
    if (this.#downSince < 0) return;
    this.#log.info('user-database-up', { backend: this.#backend, downSeconds: Math.round((now - this.#downSince) / 1000), failedCalls: this.#failures });
    this.#downSince = -1;
    this.#backoff = BACKOFF_FIRST_MS;
    this.#failures = 0;
  }

  /** A call failed: the first failure of an outage is logged; later ones lengthen the backoff. */
  failed(err: unknown, now: number): void {
    this.calls++;
    this.callFailures++;
    this.#failures++;
    if (this.#downSince < 0) {
      this.#downSince = now;
      this.#backoff = BACKOFF_FIRST_MS;
      this.#log.error('user-database-down', {
        backend: this.#backend,
        error: err instanceof Error ? err.message : String(err),
        effect: 'new authentications get 401 until it is back; allocations keep relaying',
      });
    } else if (now >= this.#retryAt) {
      // A retry after the wait failed too: wait longer. (Calls that failed together count once.)
      this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
    } else {
      return;
    }
    this.#retryAt = now + this.#backoff;
  }
}
