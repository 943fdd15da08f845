/**
 * Budgets for answers that no credential vouches for (401, 438, 400, Binding over UDP), per
 * source IP, so the server cannot be used to reflect traffic toward a spoofed address
 * (RFC 8489 §6.3.4 leaves the policy to the server). A source gets a sustained rate and a
 * burst; a source that has authenticated recently proved it is really there and gets a much
 * larger budget. That is what tells an office of 2,000 people behind one NAT, all allocating
 * at 9 o'clock, from one spoofed address flooding us: the office authenticates at once.
 */
import { TokenBucket } from './token-bucket.ts';

/** The budget settings (see `docs/security.md` for the defaults and why). */
export interface SourceBudgetOptions {
  /** answers per second to a source that has not authenticated; 0 = no limit at all */
  rate: number;
  /** answers such a source may get at once */
  burst: number;
  /** answers per second (and at once) to a source that authenticated within `trustedMs` */
  trustedRate: number;
  /** how long an authentication counts for its source IP, ms */
  trustedMs: number;
  /** most sources tracked at once; past it, new sources get no unauthenticated answers */
  maxSources: number;
}

interface Budget {
  bucket: TokenBucket;
  trusted: boolean;
}

/** What `take` decided. */
export type BudgetDecision = 'ok' | 'rate-limited' | 'table-full';

/** Per-source-IP answer budgets and the sources that authenticated lately. */
export class SourceBudgets {
  readonly #o: SourceBudgetOptions;
  readonly #budgets = new Map<string, Budget>();
  /** source IP → until when it counts as authenticated; in order of last authentication */
  readonly #trusted = new Map<string, number>();

  constructor(o: SourceBudgetOptions) {
    this.#o = o;
  }

  /** Spends one answer to `ip` if its budget allows. */
  take(ip: string, now: number): BudgetDecision {
    if (this.#o.rate === 0) return 'ok';
    const trusted = this.isTrusted(ip, now);
    let budget = this.#budgets.get(ip);
    if (budget === undefined || budget.trusted !== trusted) {
      if (budget === undefined && this.#budgets.size >= this.#o.maxSources) return 'table-full';
      budget = trusted
        ? { bucket: new TokenBucket(this.#o.trustedRate, now, this.#o.trustedRate), trusted }
        : { bucket: new TokenBucket(this.#o.rate, now, Math.max(this.#o.burst, 1)), trusted };
      this.#budgets.set(ip, budget);
    }
    return budget.bucket.take(1, now) ? 'ok' : 'rate-limited';
  }

  /** `ip` just authenticated (a MESSAGE-INTEGRITY checked out): it gets the larger budget for a while. */
  trust(ip: string, now: number): void {
    // Re-inserted so the map stays in order of last authentication, oldest first.
    this.#trusted.delete(ip);
    this.#trusted.set(ip, now + this.#o.trustedMs);
    if (this.#trusted.size > this.#o.maxSources) {
      const oldest = this.#trusted.keys().next().value;
      if (oldest !== undefined) this.#trusted.delete(oldest);
    }
  }

  /** Whether `ip` authenticated within the trusted window. */
  isTrusted(ip: string, now: number): boolean {
    const until = this.#trusted.get(ip);
    return until !== undefined && until > now;
  }

  /** Forgets idle budgets (back to full) and trust that has run out. */
  sweep(now: number): void {
    for (const [ip, b] of this.#budgets) {
      if (b.bucket.take(0, now) && b.bucket.isFull()) this.#budgets.delete(ip);
    }
    for (const [ip, until] of this.#trusted) {
      if (until > now) break; // in order of authentication: the rest are later
      this.#trusted.delete(ip);
    }
  }

  /** Sources with a budget in use (tests, stats). */
  get size(): number {
    return this.#budgets.size;
  }

  /** Sources that count as authenticated (tests, stats). */
  get trustedCount(): number {
    return this.#trusted.size;
  }
}
