/**
 * Load balancing with ALTERNATE-SERVER (RFC 8489 §10, RFC 8656 §7.2): coturn's
 * `alternate-server`, `tls-alternate-server`, `udp-alternate-server`, `tcp-alternate-server`
 * and `udp-self-balance` (over the `aux-server` addresses). An Allocate is sent on with 300 Try
 * Alternate to the next server of a round-robin rotation chosen by the client's transport, as
 * coturn chooses it (the first list that is not empty):
 *
 * - UDP: `udp-alternate-server`, the aux servers under `udp-self-balance`, `alternate-server`;
 * - TCP: `tcp-alternate-server`, `alternate-server`;
 * - TLS: `tls-alternate-server`, `alternate-server`;
 * - DTLS: `udp-alternate-server`, the aux servers under `udp-self-balance`,
 *   `tls-alternate-server`, `alternate-server`.
 *
 * A request that arrived on an address of the chosen list is served here (a server never sends
 * a client round in a circle), and only servers of the family of the address the request
 * arrived on are named. Beyond coturn: each server is up or down, as a health checker outside
 * the core reports, and a down one is skipped; with none up, the server serves the Allocate
 * itself. Pure state: no sockets, no clock.
 */
import type { AddressFamily } from '../stun/types.ts';
import type { TransportProtocol } from './five-tuple.ts';

/** An alternate server's transport address. */
export interface AlternateTarget {
  ip: string;
  port: number;
}

/** The configured lists, ports already resolved. */
export interface AlternateLists {
  /** `alternate-server` */
  plain: readonly AlternateTarget[];
  /** `tls-alternate-server` */
  tls: readonly AlternateTarget[];
  /** `udp-alternate-server` (coturn 4.7+) */
  udp?: readonly AlternateTarget[];
  /** `tcp-alternate-server` (coturn 4.7+) */
  tcp?: readonly AlternateTarget[];
  /** `aux-server`, used for UDP (and DTLS) clients when `udpSelfBalance` */
  aux: readonly AlternateTarget[];
  udpSelfBalance: boolean;
}

/** A server of a rotation, with what the health checker last said of it. */
interface Member extends AlternateTarget {
  family: AddressFamily;
  up: boolean;
  /** Allocates sent to it */
  redirected: number;
}

function familyOf(ip: string): AddressFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** One list in round-robin order. */
class Rotation {
  readonly members: Member[];
  #next = 0;

  constructor(members: Member[]) {
    this.members = members;
  }

  /** Does the list name the address a request arrived on? */
  includes(ip: string, port: number): boolean {
    return this.members.some((m) => m.ip === ip && m.port === port);
  }

  /** The next member that is up and of `family`, the rotation moved past it; undefined when none is. */
  take(family: AddressFamily): Member | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.#next + i) % n];
      if (m.up && m.family === family) {
        this.#next = (this.#next + i + 1) % n;
        return m;
      }
    }
    return undefined;
  }
}

/** The rotations of a server, and the health of every server they name. */
export class AlternateServers {
  readonly #plain: Rotation;
  readonly #tls: Rotation;
  readonly #aux: Rotation;
  readonly #udp: Rotation;
  readonly #tcp: Rotation;
  readonly #udpSelfBalance: boolean;
  /** `ip port` → the one member record shared by every rotation naming that address */
  readonly #byAddress = new Map<string, Member>();

  constructor(lists: AlternateLists) {
    this.#plain = new Rotation(lists.plain.map((t) => this.#member(t)));
    this.#tls = new Rotation(lists.tls.map((t) => this.#member(t)));
    this.#aux = new Rotation(lists.aux.map((t) => this.#member(t)));
    this.#udp = new Rotation((lists.udp ?? []).map((t) => this.#member(t)));
    this.#tcp = new Rotation((lists.tcp ?? []).map((t) => this.#member(t)));
    this.#udpSelfBalance = lists.udpSelfBalance;
  }

  #member(t: AlternateTarget): Member {
    const key = `${t.ip} ${t.port}`;
    let m = this.#byAddress.get(key);
    if (m === undefined) {
      m = { ip: t.ip, port: t.port, family: familyOf(t.ip), up: true, redirected: 0 };
      this.#byAddress.set(key, m);
    }
    return m;
  }

  /** True when some list is configured (and so Allocates may be redirected). */
  get configured(): boolean {
    return this.#byAddress.size > 0;
  }

  /** The rotation for a client transport (coturn's order), or undefined when none applies. */
  #rotationFor(protocol: TransportProtocol): Rotation | undefined {
    const datagram = protocol === 'udp' || protocol === 'dtls';
    const order: Rotation[] = [];
    if (datagram) order.push(this.#udp, ...(this.#udpSelfBalance ? [this.#aux] : []));
    if (protocol === 'tcp') order.push(this.#tcp);
    if (protocol === 'tls' || protocol === 'dtls') order.push(this.#tls);
    order.push(this.#plain);
    return order.find((r) => r.members.length > 0);
  }

  /**
   * RFC 8489 §10: where to send an Allocate that arrived over `protocol` on `localIp:localPort`,
   * or undefined to serve it here.
   */
  redirect(protocol: TransportProtocol, localIp: string, localPort: number): AlternateTarget | undefined {
    const rotation = this.#rotationFor(protocol);
    if (rotation === undefined || rotation.includes(localIp, localPort)) return undefined;
    const m = rotation.take(familyOf(localIp));
    if (m === undefined) return undefined;
    m.redirected++;
    return { ip: m.ip, port: m.port };
  }

  /** The health checker's word on a server: down ones leave every rotation until they are up again. */
  setUp(ip: string, port: number, up: boolean): void {
    const m = this.#byAddress.get(`${ip} ${port}`);
    if (m !== undefined) m.up = up;
  }

  /** Each list's servers with their state (metrics), named as the options name the lists. */
  lists(): { list: 'alternate' | 'tls-alternate' | 'udp-alternate' | 'tcp-alternate'; ip: string; port: number; up: boolean }[] {
    const named = [['alternate', this.#plain], ['tls-alternate', this.#tls], ['udp-alternate', this.#udp], ['tcp-alternate', this.#tcp]] as const;
    return named.flatMap(([list, r]) => r.members.map((m) => ({ list, ip: m.ip, port: m.port, up: m.up })));
  }

  /** Every server named, once, with its state and how many Allocates were sent to it. */
  servers(): { ip: string; port: number; up: boolean; redirected: number }[] {
    return [...this.#byAddress.values()].map((m) => ({ ip: m.ip, port: m.port, up: m.up, redirected: m.redirected }));
  }
}
