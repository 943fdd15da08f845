/**
 * The admin page's recent authentication failures: the core's `auth-failed` events (RFC 8489
 * §9.2.5: 401/438 answers, bad integrity, unknown users, …) kept in a bounded ring, newest last.
 */

/** One failed authentication, as the page and the API show it. */
export interface AuthFailure {
  /** milliseconds since the epoch */
  time: number;
  /** "ip:port" of the client, '' when the event had none */
  client: string;
  /** the user name the client sent, '' when none */
  user: string;
  /** the realm the failure is about, '' when the event does not say */
  realm: string;
  /** the core's reason code (`bad-integrity`, `unknown-user`, `stale-nonce`, …) */
  reason: string;
  /** the reason in words, with a hint, when the event carries one */
  message: string;
}

/** How many failures the ring keeps by default. */
export const AUTH_FAILURE_RING_SIZE = 200;

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** A bounded ring of the latest authentication failures. */
export class AuthFailureRing {
  readonly #items: AuthFailure[] = [];
  readonly #size: number;
  #total = 0;

  constructor(size = AUTH_FAILURE_RING_SIZE) {
    this.#size = size;
  }

  /** Feeds one core event; anything but `auth-failed` is ignored. */
  onEvent(name: string, fields: Record<string, unknown>, now: number): void {
    if (name !== 'auth-failed') return;
    this.add({
      time: now,
      client: text(fields.client),
      user: text(fields.user),
      realm: text(fields.realm),
      reason: text(fields.reason) || 'unknown',
      message: text(fields.message ?? fields.hint ?? fields.error),
    });
  }

  add(failure: AuthFailure): void {
    this.#total++;
    this.#items.push(failure);
    if (this.#items.length > this.#size) this.#items.splice(0, this.#items.length - this.#size);
  }

  /** Failures kept, newest first; `realm` keeps only those of that realm. */
  list(realm?: string): AuthFailure[] {
    const all = realm === undefined ? this.#items : this.#items.filter((f) => f.realm === realm);
    return [...all].reverse();
  }

  /** Failures since the server started (including those the ring has dropped). */
  get total(): number {
    return this.#total;
  }
}
