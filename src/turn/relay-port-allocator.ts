/**
 * Relay port bookkeeping (RFC 8656 §7.2, §14.6, §14.9): ports from `min-port`..`max-port`
 * chosen at random per relay IP, even ports on request, and the next port held for 30 s under
 * a RESERVATION-TOKEN. Pure: binding the sockets is the driver's job.
 */

/** RFC 8656 §14.9: how long a reserved port is held, in ms. */
export const RESERVATION_MS = 30_000;

interface Reservation {
  ip: string;
  port: number;
  expiresAt: number;
}

/** Hands out relay ports; never the same (ip, port) twice until released. */
export class RelayPortAllocator {
  readonly min: number;
  readonly max: number;
  readonly #used = new Map<string, Set<number>>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #random: (n: number) => Uint8Array;

  constructor(min: number, max: number, random: (n: number) => Uint8Array) {
    this.min = min;
    this.max = max;
    this.#random = random;
  }

  #usedOn(ip: string): Set<number> {
    let set = this.#used.get(ip);
    if (!set) {
      set = new Set();
      this.#used.set(ip, set);
    }
    return set;
  }

  /**
   * A free port on `ip` (even when asked; with the next one reserved under a token when
   * `reserveNext`), or undefined when the range is exhausted.
   */
  take(ip: string, even: boolean, reserveNext: boolean, now: number): { port: number; token?: Uint8Array } | undefined {
    const used = this.#usedOn(ip);
    const span = this.max - this.min + 1;
    const r = this.#random(4);
    const start = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
    for (let i = 0; i < span; i++) {
      const port = this.min + ((start + i) % span);
      if (used.has(port)) continue;
      if (even && port % 2 !== 0) continue;
      if (reserveNext && (port + 1 > this.max || used.has(port + 1))) continue;
      used.add(port);
      if (!reserveNext) return { port };
      used.add(port + 1);
      const token = this.#random(8);
      this.#reservations.set(Buffer.from(token).toString('hex'), { ip, port: port + 1, expiresAt: now + RESERVATION_MS });
      return { port, token };
    }
    return undefined;
  }

  /** The port held under a RESERVATION-TOKEN, consumed; undefined if unknown or expired. */
  takeReserved(token: Uint8Array, now: number): { ip: string; port: number } | undefined {
    const key = Buffer.from(token).toString('hex');
    const res = this.#reservations.get(key);
    if (!res) return undefined;
    this.#reservations.delete(key);
    if (res.expiresAt <= now) {
      this.release(res.ip, res.port);
      return undefined;
    }
    return { ip: res.ip, port: res.port };
  }

  /** Gives a port back. */
  release(ip: string, port: number): void {
    this.#used.get(ip)?.delete(port);
  }

  /** Frees reservations nobody claimed in time. */
  tick(now: number): void {
    for (const [key, res] of this.#reservations) {
      if (res.expiresAt <= now) {
        this.#reservations.delete(key);
        this.release(res.ip, res.port);
      }
    }
  }

  /** Ports in use on `ip` (tests, stats). */
  inUse(ip: string): number {
    return this.#used.get(ip)?.size ?? 0;
  }
}
