/**
 * The room layer's time: a monotonic clock, the wall clock (NTP times in sender reports,
 * RFC 3550 §6.4.1) and timers. Rooms never call `setInterval` or `performance.now()`
 * themselves; they take a {@link RoomClock} from their context, so tests drive them with a
 * clock they advance by hand and a 1-second interval takes no time at all.
 */

/** Stops a timer; calling it again does nothing. */
export type CancelTimer = () => void;

/** Timers, as the room layer arms them. */
export interface RoomTimers {
  /** calls `fn` every `ms` until cancelled */
  every(ms: number, fn: () => void): CancelTimer;
  /** calls `fn` once after `ms`, unless cancelled first */
  after(ms: number, fn: () => void): CancelTimer;
}

/** Where rooms get the time from. */
export interface RoomClock {
  /** monotonic ms */
  readonly now: () => number;
  /** wall clock ms since 1970 */
  readonly wallClock: () => number;
  readonly timers: RoomTimers;
}

/** Timers on the event loop (unreferenced: they never keep the process alive). */
export const eventLoopTimers: RoomTimers = {
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** The process's clocks and the event loop's timers. */
export const realClock: RoomClock = {
  now: () => performance.now(),
  wallClock: () => Date.now(),
  timers: eventLoopTimers,
};
