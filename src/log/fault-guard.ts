/**
 * The guard on every path from a socket into Turnpike's code (UDP datagrams, TCP and TLS
 * frames, relay datagrams, database answers, HTTP requests, WebSocket messages). A fault while
 * handling one input is a bug, but it must cost that one input only: it is counted under a
 * reason from a fixed set (`fault-<where>`), logged at most once per reason per interval with
 * how many were not logged, and the server goes on with the next input.
 */

/** Where a fault was caught: one of a fixed set, so counters and logs stay bounded. */
export const FAULT_SITES = [
  'udp-ingress',
  'stream-ingress',
  'dtls-ingress',
  'relay-peer',
  'relay-open',
  'credential-answer',
  'housekeeping',
  'data-plane',
  'http',
  'websocket',
] as const;
export type FaultSite = (typeof FAULT_SITES)[number];

/** What the guard reports through. */
export interface FaultGuardOptions {
  /** counts one fault under its reason (`fault-<site>`) */
  count(reason: `fault-${FaultSite}`): void;
  /** writes a log line (at most once per reason per interval) */
  log(reason: string, fields: { error: string; name: string; stack: string | undefined; suppressed: number }): void;
  /** the clock (ms) */
  now(): number;
  /** one log line per reason per this many ms (default 60 s) */
  intervalMs?: number;
}

/** Counts and logs faults; see the module comment. */
export class FaultGuard {
  readonly #o: FaultGuardOptions;
  readonly #interval: number;
  /** reason → when it was last logged and how many came since */
  readonly #logged = new Map<string, { at: number; suppressed: number }>();

  constructor(o: FaultGuardOptions) {
    this.#o = o;
    this.#interval = o.intervalMs ?? 60_000;
  }

  /** Records a fault caught while handling one input at `site`. Never throws. */
  fault(site: FaultSite, err: unknown): void {
    const reason = `fault-${site}` as const;
    try {
      this.#o.count(reason);
      const now = this.#o.now();
      const last = this.#logged.get(reason);
      if (last !== undefined && now - last.at < this.#interval) {
        last.suppressed++;
        return;
      }
      const error = err instanceof Error ? err : new Error(String(err));
      this.#o.log(reason, { error: error.message, name: error.name, stack: error.stack, suppressed: last?.suppressed ?? 0 });
      this.#logged.set(reason, { at: now, suppressed: 0 });
    } catch {
      // A failing logger must not turn one fault into a crash.
    }
  }

  /**
   * `fn` with every throw caught and recorded at `site`: for event listeners, where an
   * escaping exception would end the process.
   */
  wrap<A extends unknown[]>(site: FaultSite, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.fault(site, err);
      }
    };
  }
}

/** A guard that only counts into a map: for tests and for code that runs without a logger. */
export function countingFaultGuard(counts: Map<string, number> = new Map()): FaultGuard {
  return new FaultGuard({
    count: (r) => counts.set(r, (counts.get(r) ?? 0) + 1),
    log: () => {},
    now: () => 0,
  });
}
