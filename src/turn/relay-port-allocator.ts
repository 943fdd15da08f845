/**
 * Relay port bookkeeping (RFC 8656 §7.2, §14.6, §14.9): ports from `min-port`..`max-port`
 * chosen at random per relay IP, even ports on request, and the next port held for 30 s under
 * a RESERVATION-TOKEN. Pure: binding the sockets is the driver's job, and the driver reports a
 * port that another process holds (`markBusy`), which is then skipped for a while instead of
 * being lost until restart. So `take` answers "none" only when every port of the range is in
 * use here or was found held elsewhere moments ago: that, and only that, is a 508.
 */

/** RFC 8656 §14.9: how long a reserved port is held, in ms. */
export const RESERVATION_MS = 30_000;
/**
 * How long a port that another process held is skipped, in ms. Relay ranges overlap Linux's
 * ephemeral range (32768–60999), so outgoing connections of other programs come and go in it;
 * after this the port is tried again.
 */
export const BUSY_MS = 60_000;

/** A port held under a RESERVATION-TOKEN (hex). */
export interface Reservation {
  token: string;
  ip: string;
  port: number;
  expiresAt: number;
}

/** The ports of one relay IP. */
interface IpPorts {
  /** ports allocations or reservations hold here */
  used: Set<number>;
  /** ports another process held, → when to try them again */
  busy: Map<number, number>;
}

/** Hands out relay ports; never the same (ip, port) twice until released. */
export class RelayPortAllocator {
  readonly min: number;
  readonly max: number;
  readonly #ips = new Map<string, IpPorts>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #random: (n: number) => Uint8Array;

  constructor(min: number, max: number, random: (n: number) => Uint8Array) {
    this.min = min;
    this.max = max;
    this.#random = random;
  }

  #on(ip: string): IpPorts {
    let p = this.#ips.get(ip);
    if (!p) {
      p = { used: new Set(), busy: new Map() };
      this.#ips.set(ip, p);
    }
    return p;
  }

  /** Free here and not found held elsewhere within `BUSY_MS`. */
  #free(p: IpPorts, port: number, now: number): boolean {
    if (port < this.min || port > this.max || p.used.has(port)) return false;
    const until = p.busy.get(port);
    if (until === undefined) return true;
    if (until > now) return false;
    p.busy.delete(port);
    return true;
  }

  /**
   * A free port on `ip` (even when asked; with the next one reserved under a token when
   * `reserveNext`), or undefined when the range has none. The search starts at a random port
   * and visits every candidate once, so a free port is always found if there is one.
   */
  take(ip: string, even: boolean, reserveNext: boolean, now: number): { port: number; token?: Uint8Array } | undefined {
    const p = this.#on(ip);
    const span = this.max - this.min + 1;
    const r = this.#random(4);
    const start = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
    for (let i = 0; i < span; i++) {
      const port = this.min + ((start + i) % span);
      if ((even || reserveNext) && port % 2 !== 0) continue;
      if (!this.#free(p, port, now)) continue;
      if (reserveNext && !this.#free(p, port + 1, now)) continue;
      p.used.add(port);
      if (!reserveNext) return { port };
      p.used.add(port + 1);
      const token = this.#random(8);
      const hex = Buffer.from(token).toString('hex');
      this.#reservations.set(hex, { token: hex, ip, port: port + 1, expiresAt: now + RESERVATION_MS });
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

  /** Forgets a reservation whose port the driver could not hold after all; the port goes back. */
  cancelReservation(token: Uint8Array): void {
    const key = Buffer.from(token).toString('hex');
    const res = this.#reservations.get(key);
    if (!res) return;
    this.#reservations.delete(key);
    this.release(res.ip, res.port);
  }

  /** Gives a port back. */
  release(ip: string, port: number): void {
    this.#ips.get(ip)?.used.delete(port);
  }

  /** The driver could not bind `port`: another process holds it. It is skipped for `BUSY_MS`. */
  markBusy(ip: string, port: number, now: number): void {
    const p = this.#on(ip);
    p.used.delete(port);
    p.busy.set(port, now + BUSY_MS);
  }

  /**
   * Frees reservations nobody claimed in time and forgets busy marks that are over; returns
   * the expired reservations, whose held sockets the driver closes.
   */
  tick(now: number): Reservation[] {
    const expired: Reservation[] = [];
    for (const [key, res] of this.#reservations) {
      if (res.expiresAt <= now) {
        this.#reservations.delete(key);
        this.release(res.ip, res.port);
        expired.push(res);
      }
    }
    for (const p of this.#ips.values()) {
      for (const [port, until] of p.busy) if (until <= now) p.busy.delete(port);
    }
    return expired;
  }

  /** Ports in use on `ip` (tests, stats). */
  inUse(ip: string): number {
    return this.#ips.get(ip)?.used.size ?? 0;
  }

  /** Ports on `ip` found held by another process and not tried again yet (tests, stats). */
  busy(ip: string): number {
    return this.#ips.get(ip)?.busy.size ?? 0;
  }

  /** Reservations waiting to be claimed (tests, stats). */
  /** Ports held by allocations and reservations, and found busy, over the relay addresses `ips`. */
  usage(ips: Iterable<string>): { inUse: number; busy: number; reserved: number } {
    let inUse = 0;
    let busy = 0;
    for (const ip of new Set(ips)) {
      inUse += this.inUse(ip);
      busy += this.busy(ip);
    }
    return { inUse, busy, reserved: this.reservations };
  }

  get reservations(): number {
    return this.#reservations.size;
  }
}
