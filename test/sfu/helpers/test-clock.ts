/**
 * A room clock driven by hand: time moves only when a test calls `advance`, and timers fire in
 * due order on the way, so room behaviour over seconds runs in microseconds.
 */
import type { CancelTimer, RoomClock, RoomTimers } from '../../../src/sfu/room/clock.ts';

interface Pending {
  due: number;
  readonly every: number | undefined;
  readonly fn: () => void;
  readonly seq: number;
}

/** A clock that stands still until advanced. */
export class TestClock implements RoomClock {
  #now = 0;
  #seq = 0;
  readonly #pending = new Set<Pending>();
  /** wall clock = this epoch + monotonic time */
  readonly epochMs = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.#now;
  readonly wallClock = (): number => this.epochMs + this.#now;
  readonly timers: RoomTimers = {
    every: (ms, fn) => this.#arm(ms, fn, ms),
    after: (ms, fn) => this.#arm(ms, fn, undefined),
  };

  /** Timers still armed. */
  get pending(): number {
    return this.#pending.size;
  }

  #arm(ms: number, fn: () => void, every: number | undefined): CancelTimer {
    const p: Pending = { due: this.#now + ms, every, fn, seq: this.#seq++ };
    this.#pending.add(p);
    return () => void this.#pending.delete(p);
  }

  /** Moves time on by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending) if (p.due <= end && (!next || p.due < next.due || (p.due === next.due && p.seq < next.seq))) next = p;
      if (!next) break;
      this.#now = next.due;
      if (next.every === undefined) this.#pending.delete(next);
      else next.due += next.every;
      next.fn();
    }
    this.#now = end;
  }
}
