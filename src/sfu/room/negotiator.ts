/**
 * Offer/answer pacing for a subscriber connection (RFC 8829 §3.2: one offer outstanding at a
 * time). Changes are batched for a short debounce; while an offer waits for its answer, further
 * changes only mark the connection dirty, and a new offer follows the answer. Timers are
 * injected (the room clock's, see `clock.ts`), so tests drive it without waiting.
 */

export interface NegotiatorTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Where the offer/answer exchange of one connection stands (RFC 8829 §3.2). */
export type NegotiatorState = 'idle' | 'scheduled' | 'offering' | 'awaiting-answer' | 'closed';

/** Paces the offers of one subscriber connection: one outstanding at a time. */
export class Negotiator {
  readonly #offer: () => Promise<boolean>;
  readonly #debounceMs: number;
  readonly #timers: NegotiatorTimers;
  #state: NegotiatorState = 'idle';
  #dirty = false;
  #timer: unknown;
  /** offers made, for stats and tests */
  offers = 0;

  /** `offer` makes and sends one offer; it resolves false when none could be made. */
  constructor(offer: () => Promise<boolean>, debounceMs: number, timers: NegotiatorTimers) {
    this.#offer = offer;
    this.#debounceMs = debounceMs;
    this.#timers = timers;
  }

  get state(): NegotiatorState {
    return this.#state;
  }

  /** Something the subscriber must learn about changed. */
  request(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'idle') {
      this.#state = 'scheduled';
      this.#timer = this.#timers.set(() => void this.#fire(), this.#debounceMs);
    } else if (this.#state !== 'scheduled') {
      this.#dirty = true;
    }
  }

  async #fire(): Promise<void> {
    if (this.#state !== 'scheduled') return;
    this.#state = 'offering';
    this.#dirty = false;
    this.offers++;
    const sent = await this.#offer();
    if (this.#state !== 'offering') return; // closed meanwhile
    this.#state = sent ? 'awaiting-answer' : 'idle';
    if (!sent && this.#dirty) this.request();
  }

  /** The answer to the outstanding offer arrived (and was applied). */
  answered(): void {
    if (this.#state !== 'awaiting-answer') return;
    this.#state = 'idle';
    if (this.#dirty) {
      this.#dirty = false;
      this.request();
    }
  }

  close(): void {
    this.#state = 'closed';
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
  }
}
