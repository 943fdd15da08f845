/**
 * The TURN core (RFC 8656) on a test bench: an injected clock, a recording `CoreOutput` that
 * also plays the relay driver (ports from the real `RelayPortAllocator`), fake client
 * transports, and clients (turn-test-client.ts) that build and sign requests the way the RFC
 * describes them, so a test reads as a sequence of protocol steps. No sockets, no timers:
 * every step runs at once.
 */
import type { DropReason } from '../../src/turn/drop-reason.ts';
import { createStaticCredentialStore, type SyncCredentialStore } from '../../src/auth/credential-store.ts';
import { createNonceService } from '../../src/auth/nonce.ts';
import { ingest } from '../../src/server/ingress.ts';
import type { AccessTokenAuthority } from '../../src/auth/oauth-credentials.ts';
import { countingFaultGuard } from '../../src/log/fault-guard.ts';
import type { RelayEndpoint } from '../../src/turn/allocation.ts';
import { defaultCoreOptions, type TurnCoreOptions } from '../../src/turn/core-options.ts';
import type { ClientTransport } from '../../src/turn/five-tuple.ts';
import { createPeerPolicy, DEFAULT_PEER_POLICY_OPTIONS, type PeerPolicyOptions } from '../../src/turn/peer-policy.ts';
import { RelayPortAllocator } from '../../src/turn/relay-port-allocator.ts';
import { TurnCore } from '../../src/turn/turn-core.ts';
import { FakeRelayDriver, FakeTransport, seededRandom, type RelayAddressSpec } from '../turn/fakes.ts';
import type { RealmDirectory } from '../../src/turn/realms.ts';
import type { TicketSealer } from '../../src/turn/mobility-ticket.ts';
import type { AlternateServers } from '../../src/turn/alternate-servers.ts';
import type { FleetRedirect } from '../../src/turn/fleet-redirect.ts';

export { FakeRelayDriver, FakeTransport, seededRandom, type PeerDatagram, type RelayAddressSpec, type SentDatagram } from '../turn/fakes.ts';
export { bytes, errorCode, peer, TCP, TestClient, UDP, type Relayed, type RequestOptions } from './turn-test-client.ts';
import { TestClient } from './turn-test-client.ts';

/** A fixed start time, so nonces and lifetimes are the same on every run. */
export const T0 = 1_700_000_000_000;

/** What a bench is built from; everything has a default. */
export interface HarnessOptions {
  /** overrides of the core options (`relayFamilies` defaults to the families of `relays`) */
  core?: Partial<TurnCoreOptions>;
  /** `user=` accounts in `core.realm`; default alice:secret and bob:hunter2 */
  users?: { name: string; password: string }[];
  /** peer policy options; default coturn's secure defaults (loopback refused) */
  peers?: Partial<PeerPolicyOptions>;
  /** relay addresses; default one IPv4 address */
  relays?: readonly RelayAddressSpec[];
  /** relay port range; default 49152-65535 */
  ports?: { min: number; max: number };
  /** nonce lifetime (coturn's `stale-nonce`), seconds; default 600 */
  staleNonceSeconds?: number;
  /** realms beyond `core.realm` (ORIGIN mapping, per-realm limits and peer policies) */
  realms?: RealmDirectory;
  /** the credential store; default: `users` in `core.realm` */
  store?: SyncCredentialStore;
  /** opens ACCESS-TOKENs (RFC 7635), with `core.oauth` */
  tokens?: AccessTokenAuthority;
  /** RFC 8016 ticket sealer (with `core.mobility`) */
  tickets?: TicketSealer;
  /** RFC 8489 §10 alternate-server rotations */
  alternates?: AlternateServers;
  /** RFC 8489 §10 fleet redirect targets (`fleet-redirect-at`) */
  fleetRedirect?: FleetRedirect;
}

/** The default relay address of the bench (documentation prefix: nothing is bound). */
export const RELAY_V4 = '192.0.2.10';
export const RELAY_V6 = '2001:db8::10';

/** A TURN core with its clock, credentials, peer policy and fake driver. */
export class TurnHarness {
  now = T0;
  readonly core: TurnCore;
  readonly driver: FakeRelayDriver;
  readonly ports: RelayPortAllocator;
  readonly store: SyncCredentialStore;
  readonly #tokens: AccessTokenAuthority | undefined;
  /** how often the credential store was asked (a database round trip, with a user database) */
  lookups = 0;
  readonly realm: string;
  /** the shared UDP listener most clients arrive on */
  readonly udp = new FakeTransport('udp');
  /** faults caught on asynchronous paths, by reason */
  readonly faultCounts = new Map<string, number>();
  readonly faults = countingFaultGuard(this.faultCounts);
  #nextClientPort = 40_000;

  constructor(opts: HarnessOptions = {}) {
    const relays = opts.relays ?? [{ family: 'IPv4', ip: RELAY_V4 }];
    const options: TurnCoreOptions = {
      ...defaultCoreOptions(),
      realm: 'example.org',
      relayFamilies: [...new Set(relays.map((r) => r.family))],
      ...opts.core,
    };
    this.realm = options.realm;
    const random = seededRandom(7);
    this.ports = new RelayPortAllocator(opts.ports?.min ?? 49152, opts.ports?.max ?? 65535, random);
    this.driver = new FakeRelayDriver(this.ports, relays, () => this.now);
    this.core = new TurnCore(
      {
        options,
        nonces: createNonceService({ secret: 'bench secret', staleNonceSeconds: opts.staleNonceSeconds ?? 600 }),
        policy: createPeerPolicy({ ...DEFAULT_PEER_POLICY_OPTIONS, ...opts.peers }),
        output: this.driver,
        realms: opts.realms,
        randomBytes: random,
        tickets: opts.tickets,
        alternates: opts.alternates,
        fleetRedirect: opts.fleetRedirect,
      },
      this.now,
    );
    this.driver.core = this.core;
    this.#tokens = opts.tokens;
    const users = opts.users ?? [
      { name: 'alice', password: 'secret' },
      { name: 'bob', password: 'hunter2' },
    ];
    const store = opts.store ?? createStaticCredentialStore({ users, realm: options.realm, useAuthSecret: false, staticAuthSecrets: [], restApiSeparator: ':' });
    this.store = {
      lookup: (username, realm, nowMs) => {
        this.lookups++;
        return store.lookup(username, realm, nowMs);
      },
    };
  }

  /** Moves the clock forward (ms). Nothing expires until `tick`, as with the real driver's 1 s sweep. */
  advance(ms: number): void {
    this.now += ms;
  }

  /** The driver's periodic sweep at the current time. */
  tick(): void {
    this.core.tick(this.now);
    this.ports.tick(this.now);
  }

  /** Moves the clock forward and sweeps. */
  advanceAndTick(ms: number): void {
    this.advance(ms);
    this.tick();
  }

  /** A new client on its own port; on the shared UDP listener unless a transport is given. */
  client(opts: { ip?: string; port?: number; transport?: FakeTransport; user?: string; password?: string } = {}): TestClient {
    return new TestClient(this, {
      transport: opts.transport ?? this.udp,
      ip: opts.ip ?? '198.51.100.7',
      port: opts.port ?? this.#nextClientPort++,
      username: opts.user ?? 'alice',
      password: opts.password ?? 'secret',
    });
  }

  /** Feeds bytes from a client through the server's ingress (demux, decode, key lookup, core). */
  deliver(transport: ClientTransport, ip: string, port: number, bytes: Uint8Array): void {
    // Bare `ingest`, not the guarded one: a throw here is a bug the test must see.
    ingest({ core: this.core, store: this.store, now: () => this.now, guard: this.faults, ...(this.#tokens ? { tokens: this.#tokens } : {}) }, transport, ip, port, bytes);
  }

  /** A peer sends `data` to a relayed transport address (RFC 8656 §11.3). */
  fromPeer(relay: RelayEndpoint, peerIp: string, peerPort: number, data: Uint8Array): void {
    this.core.handlePeerData(relay, peerIp, peerPort, data, this.now);
  }

  /** How many packets were dropped for `reason`. */
  drops(reason: DropReason): number {
    return this.core.counters.drops.get(reason) ?? 0;
  }
}
