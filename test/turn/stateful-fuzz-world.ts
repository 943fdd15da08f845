/**
 * The world of the TURN core's model-based fuzzer (stateful-fuzz.test.ts): the core on its
 * bench, the clients and peers, and the model the invariants are checked against, built only
 * from the answers the clients received and the RFC's lifetimes.
 */
import assert from 'node:assert/strict';
import { decodeChannelData, decodeMessage, getAttribute, getAttributes } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute, type TransportAddress } from '../../src/stun/types.ts';
import type { Allocation } from '../../src/turn/allocation.ts';
import { FakeTransport, RELAY_V4, RELAY_V6, TurnHarness, type TestClient } from '../helpers/turn-harness.ts';

export const RUNS = Number(process.env.TURNPIKE_FUZZ_RUNS ?? 3000);
export const USER_QUOTA = 2;
export const TOTAL_QUOTA = 4;
export const MAX_PERMISSIONS = 3;
export const MAX_CHANNELS = 2;
export const PERMISSION_MS = 300_000;
export const CHANNEL_MS = 600_000;

/** Peers: three the policy allows (two IPv4, one IPv6), two it refuses (loopback, private). */
export const PEERS: TransportAddress[] = [
  { family: 'IPv4', address: '203.0.113.5', port: 5000 },
  { family: 'IPv4', address: '203.0.113.6', port: 6000 },
  { family: 'IPv6', address: '2001:db8::5', port: 7000 },
  { family: 'IPv4', address: '127.0.0.1', port: 8000 },
  { family: 'IPv4', address: '10.1.2.3', port: 9000 },
];
export const CHANNELS = [0x4000, 0x4001, 0x4fff, 0x3fff, 0x5000, 0x7fff];

export interface ModelChannel {
  peerIp: string;
  peerPort: number;
  expiresAt: number;
}

export interface ModelAllocation {
  user: string;
  expiresAt: number;
  /** peer IP → expiry */
  permissions: Map<string, number>;
  /** channel number → binding (active ones only) */
  channels: Map<number, ModelChannel>;
}

/** What a request asked, kept by transaction id until its answer is seen. */
export interface Sent {
  client: number;
  method: number;
  peers: TransportAddress[];
  channel?: number;
  lifetime?: number;
}

/** The bench, its clients, and the model. */
export class World {
  readonly bench: TurnHarness;
  readonly clients: TestClient[] = [];
  readonly model = new Map<number, ModelAllocation>();
  readonly sent = new Map<string, Sent>();
  readonly answered = new Set<string>();
  readonly lastRequest = new Map<number, Uint8Array>();
  readonly tokens: Uint8Array[] = [];
  #peerSendsSeen = 0;
  log: string[] = [];

  constructor(manual: boolean) {
    this.bench = new TurnHarness({
      core: { userQuota: USER_QUOTA, totalQuota: TOTAL_QUOTA, maxPermissionsPerAllocation: MAX_PERMISSIONS, maxChannelsPerAllocation: MAX_CHANNELS, maxChannelNumber: 0x4fff },
      relays: [{ family: 'IPv4', ip: RELAY_V4 }, { family: 'IPv6', ip: RELAY_V6 }],
      ports: { min: 50_000, max: 50_007 },
      users: [{ name: 'alice', password: 'secret' }, { name: 'bob', password: 'hunter2' }],
    });
    this.bench.driver.mode = manual ? 'manual' : 'auto';
    const b = this.bench;
    this.clients.push(
      b.client({ ip: '198.51.100.1', port: 40_001 }),
      b.client({ ip: '198.51.100.2', port: 40_002 }),
      b.client({ ip: '198.51.100.1', port: 40_003, user: 'bob', password: 'hunter2' }),
      b.client({ ip: '198.51.100.3', port: 40_004, user: 'bob', password: 'hunter2', transport: new FakeTransport('tcp') }),
      b.client({ ip: '198.51.100.4', port: 40_005, user: 'alice', password: 'wrong' }),
    );
  }

  get now(): number {
    return this.bench.now;
  }

  allocationOf(i: number): Allocation | undefined {
    const c = this.clients[i];
    return this.bench.core.findAllocation(c.transport, c.ip, c.port);
  }

  /** Requests are told apart by connection and transaction id (a new connection may reuse an id). */
  key(i: number, tid: Uint8Array): string {
    return `${this.clients[i].transport.id}:${Buffer.from(tid).toString('hex')}`;
  }

  /** Sends a request as client `i`, signed once it holds a nonce. */
  request(i: number, method: number, attrs: StunAttribute[], info: Omit<Sent, 'client' | 'method'> = { peers: [] }): void {
    const c = this.clients[i];
    const { bytes, tid } = c.build(method, attrs);
    this.sent.set(this.key(i, tid), { client: i, method, ...info });
    this.lastRequest.set(i, bytes);
    c.sendRaw(bytes);
  }

  /** Reads what every client received and updates the model from the answers. */
  absorb(): void {
    for (let i = 0; i < this.clients.length; i++) {
      for (const bytes of this.clients[i].inbox()) this.#absorbOne(i, bytes);
    }
  }

  #absorbOne(i: number, bytes: Uint8Array): void {
    if (bytes[0] >= 0x40 && bytes[0] <= 0x7f) {
      const cd = decodeChannelData(bytes, 0x4fff);
      assert.ok(cd.ok, 'ChannelData from the server decodes');
      const ch = this.model.get(i)?.channels.get(cd.value.channelNumber);
      assert.ok(ch && ch.expiresAt > this.now, `ChannelData on channel 0x${cd.value.channelNumber.toString(16)} that the model has bound`);
      this.#assertPermitted(i, ch.peerIp, 'ChannelData from a peer');
      return;
    }
    const d = decodeMessage(bytes);
    if (!d.ok && d.error.reason === 'bad-cookie') {
      // An RFC 3489 Binding answer (a request whose cookie was mutated away): MAPPED-ADDRESS only.
      assert.equal(Buffer.from(bytes).readUInt16BE(0), 0x0101);
      assert.equal(Buffer.from(bytes).readUInt16BE(20), Attr.MappedAddress);
      return;
    }
    assert.ok(d.ok, `a STUN message from the server decodes (${d.ok ? '' : d.error.reason})`);
    const m = d.value;
    if (m.class === MessageClass.Indication) {
      assert.equal(m.method, Method.Data, 'the only indication a server sends is Data');
      const peer = getAttribute(m, Attr.XorPeerAddress);
      assert.ok(peer && getAttribute(m, Attr.Data), 'a Data indication has XOR-PEER-ADDRESS and DATA');
      this.#assertPermitted(i, peer.address, 'a Data indication');
      return;
    }
    assert.ok(m.class === MessageClass.SuccessResponse || m.class === MessageClass.ErrorResponse, 'the server sends no requests');
    const tid = this.key(i, m.transactionId);
    const sent = this.sent.get(tid);
    if (m.class === MessageClass.ErrorResponse) {
      const nonce = getAttribute(m, Attr.Nonce);
      if (nonce !== undefined) this.clients[i].nonce = nonce;
      const realm = getAttribute(m, Attr.Realm);
      if (realm !== undefined) this.clients[i].realm = realm;
    }
    // A retransmission of a request that succeeded gets the same answer again, and the model
    // changed once. One that was refused (437 before the allocation was there, say) is decided
    // anew, as RFC 8489 §6.3 allows for error answers that were not remembered.
    if (sent === undefined || this.answered.has(tid) || m.class !== MessageClass.SuccessResponse) return;
    // A mutation that turned a request into a Binding (which needs no credentials) changes nothing.
    if (m.method === Method.Binding && sent.method !== Method.Binding) return;
    this.answered.add(tid);
    assert.equal(sent.client, i, 'an answer reaches the client that asked');
    assert.equal(m.method, sent.method);
    this.#applySuccess(i, sent, m);
  }

  #applySuccess(i: number, sent: Sent, m: DecodedStunMessage): void {
    const now = this.now;
    const user = this.clients[i].username;
    if (sent.method === Method.Allocate) {
      assert.ok(!this.model.has(i), 'no second allocation on one 5-tuple');
      const lifetime = getAttribute(m, Attr.Lifetime)!;
      assert.ok(getAttributes(m, Attr.XorRelayedAddress).length >= 1);
      const token = getAttribute(m, Attr.ReservationToken);
      if (token) this.tokens.push(token);
      this.model.set(i, { user, expiresAt: now + lifetime * 1000, permissions: new Map(), channels: new Map() });
      return;
    }
    const a = this.model.get(i);
    assert.ok(a, `a ${sent.method} success needs an allocation in the model`);
    if (sent.method === Method.Refresh) {
      const lifetime = getAttribute(m, Attr.Lifetime)!;
      if (lifetime === 0) this.model.delete(i);
      else a.expiresAt = now + lifetime * 1000;
    } else if (sent.method === Method.CreatePermission) {
      for (const p of sent.peers) a.permissions.set(p.address, now + PERMISSION_MS);
    } else if (sent.method === Method.ChannelBind) {
      const p = sent.peers[0];
      a.channels.set(sent.channel!, { peerIp: p.address, peerPort: p.port, expiresAt: now + CHANNEL_MS });
      a.permissions.set(p.address, Math.max(a.permissions.get(p.address) ?? 0, now + PERMISSION_MS));
    }
  }

  #assertPermitted(i: number, peerIp: string, what: string): void {
    const exp = this.model.get(i)?.permissions.get(peerIp);
    assert.ok(exp !== undefined && exp > this.now, `${what} for ${peerIp} without a permission in the model`);
  }

  /** The driver's sweep, and the model's: what has expired goes. */
  tick(): void {
    this.bench.tick();
    for (const [i, a] of this.model) {
      if (a.expiresAt <= this.now) {
        this.model.delete(i);
        continue;
      }
      for (const [ip, exp] of a.permissions) if (exp <= this.now) a.permissions.delete(ip);
      for (const [n, ch] of a.channels) if (ch.expiresAt <= this.now) a.channels.delete(n);
    }
  }

  /** A connection closed: its allocations go (RFC 8656 §3.1), and the client reconnects on a new one. */
  closeTcp(): void {
    const c = this.clients[3];
    this.bench.core.transportClosed(c.transport, this.now);
    this.model.delete(3);
    // A request sent on the old connection is not a retransmission on the new one.
    this.lastRequest.delete(3);
    const fresh = this.bench.client({ ip: c.ip, port: c.port, user: c.username, password: c.password, transport: new FakeTransport('tcp') });
    fresh.nonce = c.nonce;
    fresh.realm = c.realm;
    this.clients[3] = fresh;
  }

  /** Everything the invariants say, checked against the real core. */
  check(): void {
    this.absorb();
    const core = this.bench.core;
    const now = this.now;
    // Nothing reached a peer without a permission.
    const toPeers = this.bench.driver.toPeers;
    for (; this.#peerSendsSeen < toPeers.length; this.#peerSendsSeen++) {
      const d = toPeers[this.#peerSendsSeen];
      const owner = this.clients.findIndex((_c, i) => this.allocationOf(i) === d.relay.allocation);
      assert.ok(owner >= 0, 'a datagram to a peer from a live allocation');
      this.#assertPermitted(owner, d.peerIp, 'a datagram to a peer');
    }
    // Allocations, per-user counts and quotas.
    const byUser = new Map<string, number>();
    let ports = 0;
    for (const a of core.allocations()) {
      byUser.set(a.username, (byUser.get(a.username) ?? 0) + 1);
      ports += a.relays.length;
    }
    assert.deepEqual(new Map([...core.perUser].sort()), new Map([...byUser].sort()), 'per-user counts match the allocations');
    for (const n of core.perUser.values()) assert.ok(n > 0 && n <= USER_QUOTA, `a per-user count of ${n}`);
    assert.ok(core.allocationCount <= TOTAL_QUOTA);
    if (this.bench.driver.mode === 'auto') {
      assert.equal(this.bench.ports.inUse(RELAY_V4) + this.bench.ports.inUse(RELAY_V6), ports + this.bench.ports.reservations, 'relay ports match relays and reservations');
    }
    // The forwarding table a data plane relays from says what the core says.
    const table = this.bench.driver.table;
    const active = core.allocations().filter((a) => a.state === 'active');
    assert.equal(table.size, active.length, 'one published row per active allocation, none for gone ones');
    for (const a of active) {
      const row = table.get(a.id);
      assert.ok(row, `allocation ${a.id} is published`);
      assert.equal(row.expiresAt, a.expiresAt, 'the row has the lifetime');
      const rowPerms = row.permissions.filter((p) => p.expiresAt > now).map((p) => `${p.ip}@${p.expiresAt}`).sort();
      const realPerms = [...a.permissions].filter(([, e]) => e > now).map(([ip, e]) => `${ip}@${e}`).sort();
      assert.deepEqual(rowPerms, realPerms, 'the row has the permissions');
      const rowChannels = row.channels.filter((c) => c.expiresAt > now).map((c) => `${c.number}:${c.peerIp}:${c.peerPort}@${c.expiresAt}`).sort();
      const realChannels = a.channels.filter((c) => c.active && c.expiresAt > now).map((c) => `${c.number}:${c.peerIp}:${c.peerPort}@${c.expiresAt}`).sort();
      assert.deepEqual(rowChannels, realChannels, 'the row has the channels');
    }
    for (let i = 0; i < this.clients.length; i++) {
      const real = this.allocationOf(i);
      const model = this.model.get(i);
      const active = real !== undefined && real.state === 'active';
      assert.equal(active, model !== undefined, `client ${i}: an active allocation exactly when the model has one`);
      if (!real || !model) continue;
      assert.equal(real.username, model.user);
      assert.equal(real.expiresAt, model.expiresAt, `client ${i}: the lifetime the answer gave`);
      const perms = [...real.permissions].filter(([, exp]) => exp > now).map(([ip, exp]) => `${ip}@${exp}`).sort();
      const modelPerms = [...model.permissions].filter(([, exp]) => exp > now).map(([ip, exp]) => `${ip}@${exp}`).sort();
      assert.deepEqual(perms, modelPerms, `client ${i}: permissions`);
      assert.ok(real.permissions.size <= MAX_PERMISSIONS);
      const channels = real.channels.filter((c) => c.active && c.expiresAt > now).map((c) => `${c.number}:${c.peerIp}:${c.peerPort}@${c.expiresAt}`).sort();
      const modelChannels = [...model.channels].filter(([, c]) => c.expiresAt > now).map(([n, c]) => `${n}:${c.peerIp}:${c.peerPort}@${c.expiresAt}`).sort();
      assert.deepEqual(channels, modelChannels, `client ${i}: channels`);
      assert.ok(real.channelsByNumber.size <= MAX_CHANNELS);
    }
  }

  /** The end of a sequence: everything bound late is bound, the clock runs far ahead, nothing is left. */
  drain(): void {
    this.completePending();
    this.bench.advance(10_000_000);
    this.tick();
    this.check();
    const core = this.bench.core;
    assert.equal(core.allocationCount, 0, 'every allocation expired');
    assert.equal(core.perUser.size, 0, 'no per-user count leaked');
    assert.equal(this.bench.ports.inUse(RELAY_V4) + this.bench.ports.inUse(RELAY_V6), 0, 'every relay port came back');
  }

  completePending(): void {
    const driver = this.bench.driver;
    for (const p of driver.pending.splice(0)) driver.complete(p.allocation, p.request);
    // Answers are read at the time they were sent, before the clock moves on.
    this.absorb();
  }
}
