/**
 * Fleet balancing with ALTERNATE-SERVER (RFC 8489 §10, RFC 8656 §7.2): a member of a Turnpike
 * fleet that holds `fleet-redirect-at` allocations or more answers a new Allocate with 300 Try
 * Alternate naming the least-loaded other member, when one is clearly less loaded.
 *
 * Pure state: a driver outside the core (src/fleet/redirect-targets.ts) reads the member
 * registry every heartbeat and hands the other live, healthy members in with `setTargets`;
 * the core asks `redirect` on each first Allocate. No sockets, no clock, no Redis here.
 *
 * No client is sent round in a circle: a member is a target only while its load, counting
 * the Allocates this member sent it since its last heartbeat, plus `margin` is no more than
 * this member's own. The target, holding no more allocations than this member once it serves
 * the client, does not find this member clearly less loaded (the registry being read at the
 * same heartbeat), so it serves the client itself. A member never names its own address.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { AlternateTarget } from './alternate-servers.ts';
import type { TransportProtocol } from './five-tuple.ts';

/** Another member, as its last heartbeat described it. */
export interface FleetTarget {
  /** its member name */
  name: string;
  /** where its UDP and TCP clients go; undefined when it advertises none */
  plain: AlternateTarget | undefined;
  /** where its TLS and DTLS clients go; undefined when it serves neither */
  secure: AlternateTarget | undefined;
  /** its allocations at that heartbeat */
  allocations: number;
  /** when that heartbeat was written (ms); a new one replaces the count of Allocates sent */
  heartbeatAt: number;
}

/** When this member counts as loaded, and how much less loaded a target must be. */
export interface FleetRedirectSettings {
  /** allocations at which new Allocates are sent elsewhere (`fleet-redirect-at`, > 0) */
  threshold: number;
  /** allocations a target must hold fewer of, after those sent to it (`fleet-redirect-margin`, ≥ 1) */
  margin: number;
}

interface Candidate {
  target: FleetTarget;
  /** Allocates sent to it since `target.heartbeatAt` */
  sent: number;
}

function familyOf(ip: string): AddressFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The other members of the fleet, and where this one sends Allocates while loaded. */
export class FleetRedirect {
  readonly settings: FleetRedirectSettings;
  #candidates: Candidate[] = [];
  /** Allocates redirected in all */
  #redirected = 0;

  constructor(settings: FleetRedirectSettings) {
    this.settings = { threshold: Math.max(1, settings.threshold), margin: Math.max(1, settings.margin) };
  }

  /**
   * The driver's latest read of the registry: the other live, healthy members. A member left
   * out (its heartbeat stopped, its database down) is no longer a target. The count of
   * Allocates sent to a member carries over until its record shows a newer heartbeat.
   */
  setTargets(targets: readonly FleetTarget[]): void {
    const before = new Map(this.#candidates.map((c) => [c.target.name, c]));
    this.#candidates = targets.map((target) => {
      const known = before.get(target.name);
      return { target, sent: known !== undefined && known.target.heartbeatAt === target.heartbeatAt ? known.sent : 0 };
    });
  }

  /**
   * Where to send an Allocate that arrived over `protocol` on `localIp:localPort` while this
   * member holds `ownAllocations`, or undefined to serve it here.
   */
  redirect(protocol: TransportProtocol, localIp: string, localPort: number, ownAllocations: number): AlternateTarget | undefined {
    if (ownAllocations < this.settings.threshold) return undefined;
    const secure = protocol === 'tls' || protocol === 'dtls';
    const family = familyOf(localIp);
    let best: { c: Candidate; address: AlternateTarget; load: number } | undefined;
    for (const c of this.#candidates) {
      const address = secure ? c.target.secure : c.target.plain;
      if (address === undefined || familyOf(address.ip) !== family) continue;
      if (address.ip === localIp && address.port === localPort) continue;
      const load = c.target.allocations + c.sent;
      if (load + this.settings.margin > ownAllocations) continue;
      if (best === undefined || load < best.load || (load === best.load && c.target.name < best.c.target.name)) best = { c, address, load };
    }
    if (best === undefined) return undefined;
    best.c.sent++;
    this.#redirected++;
    return { ip: best.address.ip, port: best.address.port };
  }

  /** Every target known, with its load at its last heartbeat and the Allocates sent to it since. */
  targets(): { name: string; allocations: number; sent: number }[] {
    return this.#candidates.map((c) => ({ name: c.target.name, allocations: c.target.allocations, sent: c.sent }));
  }

  /** Allocates redirected since start. */
  get redirected(): number {
    return this.#redirected;
  }
}
