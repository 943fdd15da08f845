/**
 * The TURN core (RFC 8656) on a test bench: an injected clock, a recording `CoreOutput` that
 * also plays the relay driver (ports from the real `RelayPortAllocator`), fake client
 * transports, and clients that build and sign requests the way the RFC describes them, so a
 * test reads as a sequence of protocol steps. No sockets, no timers: every step runs at once.
 */
import assert from 'node:assert/strict';
import type { DropReason } from '../../src/turn/drop-reason.ts';
import { createStaticCredentialStore, type SyncCredentialStore } from '../../src/auth/credential-store.ts';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { createNonceService } from '../../src/auth/nonce.ts';
import { ingest } from '../../src/server/ingress.ts';
import type { AccessTokenAuthority } from '../../src/auth/oauth-credentials.ts';
import { countingFaultGuard } from '../../src/log/fault-guard.ts';
import {
  decodeChannelData,
  decodeMessage,
  encodeChannelData,
  encodeMessage,
  getAttribute,
  verifyMessageIntegrity,
} from '../../src/stun/index.ts';
import {
  Attr,
  MessageClass,
  Method,
  type DecodedStunMessage,
  type StunAttribute,
  type TransportAddress,
} from '../../src/stun/types.ts';
import type { Allocation, RelayEndpoint } from '../../src/turn/allocation.ts';
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

/** IANA protocol numbers for REQUESTED-TRANSPORT (RFC 8656 §18.7). */
export const UDP = 17;
export const TCP = 6;

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

/** What a client received from the relay: ChannelData or a Data indication (RFC 8656 §11.4, §12.6). */
export type Relayed = { kind: 'channel'; number: number; data: Uint8Array } | { kind: 'data'; peer: TransportAddress; data: Uint8Array };

/** How a request is built. */
export interface RequestOptions {
  /** fixed transaction id (retransmissions reuse one) */
  tid?: Uint8Array;
  /** false: no USERNAME/REALM/NONCE/MESSAGE-INTEGRITY even when a nonce is known */
  sign?: boolean;
  fingerprint?: boolean;
  /** sign as another user of this bench */
  as?: { user: string; password: string };
}

/** A client of the bench: builds requests, signs them with its long-term key, reads answers. */
export class TestClient {
  readonly bench: TurnHarness;
  readonly transport: FakeTransport;
  readonly ip: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** REALM and NONCE from the last challenge (401 / 438) */
  realm: string | undefined;
  nonce: string | undefined;
  #read = 0;
  #tids = seededRandom(0);

  constructor(bench: TurnHarness, init: { transport: FakeTransport; ip: string; port: number; username: string; password: string }) {
    this.bench = bench;
    this.transport = init.transport;
    this.ip = init.ip;
    this.port = init.port;
    this.username = init.username;
    this.password = init.password;
    this.#tids = seededRandom(init.port * 31 + init.ip.length);
  }

  /** The long-term key (RFC 8489 §9.2.2) for the realm the server named. */
  get key(): Uint8Array {
    return longTermKey(this.username, this.realm ?? this.bench.realm, this.password);
  }

  /** The allocation of this client's 5-tuple, if any. */
  get allocation(): Allocation | undefined {
    return this.bench.core.findAllocation(this.transport, this.ip, this.port);
  }

  /** Everything the server sent to this client since the last call. */
  inbox(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const sent = this.transport.sent;
    for (; this.#read < sent.length; this.#read++) {
      const d = sent[this.#read];
      if (d.ip === this.ip && d.port === this.port) out.push(d.data);
    }
    return out;
  }

  /** Sends raw bytes as this client. */
  sendRaw(bytes: Uint8Array): void {
    this.bench.deliver(this.transport, this.ip, this.port, bytes);
  }

  /** A fresh transaction id. */
  newTid(): Uint8Array {
    return this.#tids(12);
  }

  /** The bytes of a request, signed (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) once a nonce is known. */
  build(method: number, attrs: StunAttribute[], opts: RequestOptions = {}): { bytes: Buffer; tid: Uint8Array } {
    const tid = opts.tid ?? this.newTid();
    const sign = opts.sign ?? this.nonce !== undefined;
    const attributes = [...attrs];
    let integrityKey: Uint8Array | undefined;
    if (sign) {
      const realm = this.realm ?? this.bench.realm;
      const user = opts.as?.user ?? this.username;
      attributes.push({ type: Attr.Username, value: user }, { type: Attr.Realm, value: realm }, { type: Attr.Nonce, value: this.nonce ?? '' });
      integrityKey = longTermKey(user, realm, opts.as?.password ?? this.password);
    }
    const bytes = encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes }, { integrityKey, fingerprint: opts.fingerprint });
    return { bytes, tid };
  }

  /**
   * Sends a request and returns the answer with its transaction id (undefined when none came:
   * a drop). A 401 or 438 answer's REALM and NONCE are kept for the next signed request.
   */
  request(method: number, attrs: StunAttribute[] = [], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    const { bytes, tid } = this.build(method, attrs, opts);
    this.inbox();
    this.sendRaw(bytes);
    const answers = this.inbox()
      .map((b) => decodeMessage(b))
      .filter((d) => d.ok && Buffer.from(d.value.transactionId).equals(Buffer.from(tid)))
      .map((d) => (d as { ok: true; value: DecodedStunMessage }).value);
    assert.ok(answers.length <= 1, `one answer per request, got ${answers.length}`);
    const answer = answers[0];
    if (answer !== undefined && answer.class === MessageClass.ErrorResponse) {
      const nonce = getAttribute(answer, Attr.Nonce);
      const realm = getAttribute(answer, Attr.Realm);
      if (nonce !== undefined) this.nonce = nonce;
      if (realm !== undefined) this.realm = realm;
    }
    return answer;
  }

  /** RFC 8489 §9.2.4: the first request goes unsigned and is challenged (401 with REALM and NONCE). */
  challenge(method: number = Method.Allocate): DecodedStunMessage {
    const answer = this.request(method, [{ type: Attr.RequestedTransport, value: UDP }], { sign: false });
    assert.ok(answer, 'the challenge is answered');
    assert.equal(errorCode(answer), 401);
    return answer;
  }

  /** RFC 8656 §7.1: Allocate (challenged first when no nonce is known yet), UDP relay unless attributes say otherwise. */
  allocate(attrs: StunAttribute[] = [{ type: Attr.RequestedTransport, value: UDP }], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    if (this.nonce === undefined && opts.sign !== false) this.challenge();
    return this.request(Method.Allocate, attrs, opts);
  }

  /** Allocate and insist on success; returns the allocation. */
  allocateOk(attrs?: StunAttribute[]): Allocation {
    const answer = this.allocate(attrs);
    assert.ok(answer, 'Allocate is answered');
    assert.equal(errorCode(answer), 0, `Allocate succeeds (got ${errorCode(answer)})`);
    assert.ok(this.allocation);
    return this.allocation;
  }

  /** RFC 8656 §7.3: Refresh, optionally with a LIFETIME. */
  refresh(lifetime?: number, opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(Method.Refresh, lifetime === undefined ? [] : [{ type: Attr.Lifetime, value: lifetime }], opts);
  }

  /** RFC 8656 §9.1: CreatePermission for one or several peers. */
  createPermission(peers: TransportAddress[], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(Method.CreatePermission, peers.map((value) => ({ type: Attr.XorPeerAddress, value })), opts);
  }

  /** RFC 8656 §12.1: ChannelBind. */
  channelBind(number: number, peer: TransportAddress, opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(
      Method.ChannelBind,
      [
        { type: Attr.ChannelNumber, value: number },
        { type: Attr.XorPeerAddress, value: peer },
      ],
      opts,
    );
  }

  /** RFC 8656 §11.1: a Send indication. */
  sendIndication(peer: TransportAddress, data: Uint8Array): void {
    const bytes = encodeMessage({
      method: Method.Send,
      class: MessageClass.Indication,
      transactionId: this.newTid(),
      attributes: [
        { type: Attr.XorPeerAddress, value: peer },
        { type: Attr.Data, value: data },
      ],
    });
    this.sendRaw(bytes);
  }

  /** RFC 8656 §12.4: a ChannelData message. */
  channelData(number: number, data: Uint8Array): void {
    this.sendRaw(encodeChannelData(number, data, false, 0x7fff));
  }

  /** What the relay delivered to this client since the last read, decoded. */
  relayed(): Relayed[] {
    const out: Relayed[] = [];
    for (const bytes of this.inbox()) {
      if (bytes[0] >= 0x40 && bytes[0] <= 0x7f) {
        const cd = decodeChannelData(bytes, 0x7fff);
        assert.ok(cd.ok, 'valid ChannelData');
        out.push({ kind: 'channel', number: cd.value.channelNumber, data: Uint8Array.from(cd.value.data) });
        continue;
      }
      const d = decodeMessage(bytes);
      assert.ok(d.ok, 'valid STUN');
      const m = d.value;
      assert.equal(m.method, Method.Data);
      assert.equal(m.class, MessageClass.Indication);
      out.push({ kind: 'data', peer: getAttribute(m, Attr.XorPeerAddress)!, data: Uint8Array.from(getAttribute(m, Attr.Data)!) });
    }
    return out;
  }

  /** True when the answer's MESSAGE-INTEGRITY checks out under this client's key. */
  verifies(answer: DecodedStunMessage): boolean {
    return verifyMessageIntegrity(answer, this.key);
  }
}

/** The ERROR-CODE of an answer, 0 for a success response. */
export function errorCode(msg: DecodedStunMessage): number {
  if (msg.class === MessageClass.SuccessResponse) return 0;
  const ec = getAttribute(msg, Attr.ErrorCode);
  assert.ok(ec, 'an error response carries ERROR-CODE');
  return ec.code;
}

/** A peer transport address (documentation prefix unless given). */
export function peer(address = '203.0.113.5', port = 5000): TransportAddress {
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}

/** Bytes of a given text, for payloads. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
