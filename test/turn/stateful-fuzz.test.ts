/**
 * A model-based fuzzer for the TURN core (fast-check commands). Random interleavings of every
 * request (Allocate in all its forms, Refresh, CreatePermission, ChannelBind), Send
 * indications, ChannelData and peer datagrams, valid, mutated and hostile, from several
 * clients (two users, one IP shared, UDP and TCP, one with a wrong password) and several peers
 * (allowed, denied, IPv4 and IPv6), with clock steps, closed connections and relay sockets that
 * are bound late. After every step:
 *
 * - nothing threw (the bench feeds bytes through the unguarded ingress);
 * - allocations, permissions, channels and per-user counts agree with a model built only from
 *   the answers the clients received and the RFC's lifetimes;
 * - quotas never go negative, never pass their limit, and leak nothing: at the end, with the
 *   clock far ahead, every allocation, count and relay port is gone;
 * - nothing reached a peer, or a client from a peer, without a permission in the model;
 * - every datagram the server sent decodes, as STUN or ChannelData;
 * - the forwarding table the core publishes for a data plane matches its state.
 *
 * `TURNPIKE_FUZZ_RUNS` sets the number of sequences (default 3,000; try 100000 overnight).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type StunAttribute, type TransportAddress } from '../../src/stun/types.ts';
import { UDP } from '../helpers/turn-harness.ts';
import { CHANNELS, PEERS, RUNS, World } from './stateful-fuzz-world.ts';

type Model = { steps: number };

/** One step of a sequence; `run` acts on the world, then the invariants are checked. */
class Step implements fc.Command<Model, World> {
  readonly label: string;
  readonly act: (w: World) => void;
  constructor(label: string, act: (w: World) => void) {
    this.label = label;
    this.act = act;
  }
  check(): boolean {
    return true;
  }
  run(m: Model, w: World): void {
    m.steps++;
    w.log.push(this.label);
    this.act(w);
    w.check();
  }
  toString(): string {
    return this.label;
  }
}

const client = fc.integer({ min: 0, max: 4 });
const peerIndex = fc.integer({ min: 0, max: PEERS.length - 1 });
/** Data mostly goes to and comes from the peers a session permits. */
const dataPeer = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 2 }), weight: 4 }, { arbitrary: peerIndex, weight: 1 });
const UDP_TRANSPORT: StunAttribute = { type: Attr.RequestedTransport, value: UDP };

const allocate = fc.tuple(client, fc.constantFrom('plain', 'even', 'reserve', 'dual', 'v6', 'token', 'no-transport', 'tcp', 'short', 'unsigned')).map(
  ([i, kind]) =>
    new Step(`allocate c${i} ${kind}`, (w) => {
      const attrs: StunAttribute[] = kind === 'no-transport' ? [] : [kind === 'tcp' ? { type: Attr.RequestedTransport, value: 6 } : UDP_TRANSPORT];
      if (kind === 'even') attrs.push({ type: Attr.EvenPort, value: { reserveNext: false } });
      if (kind === 'reserve') attrs.push({ type: Attr.EvenPort, value: { reserveNext: true } });
      if (kind === 'dual') attrs.push({ type: Attr.AdditionalAddressFamily, value: 'IPv6' });
      if (kind === 'v6') attrs.push({ type: Attr.RequestedAddressFamily, value: 'IPv6' });
      if (kind === 'token') attrs.push({ type: Attr.ReservationToken, value: w.tokens.at(-1) ?? new Uint8Array(8).fill(3) });
      if (kind === 'short') attrs.push({ type: Attr.Lifetime, value: 30 });
      const c = w.clients[i];
      if (kind === 'unsigned' || c.nonce === undefined) {
        const { bytes, tid } = c.build(Method.Allocate, attrs, { sign: false });
        w.sent.set(w.key(i, tid), { client: i, method: Method.Allocate, peers: [] });
        c.sendRaw(bytes);
        w.absorb();
        if (kind === 'unsigned') return;
      }
      w.request(i, Method.Allocate, attrs);
    }),
);

const refresh = fc.tuple(client, fc.constantFrom<number | undefined>(undefined, 0, 30, 600, 100_000)).map(
  ([i, lifetime]) => new Step(`refresh c${i} ${lifetime}`, (w) => w.request(i, Method.Refresh, lifetime === undefined ? [] : [{ type: Attr.Lifetime, value: lifetime }], { peers: [], lifetime })),
);

const createPermission = fc.tuple(client, fc.uniqueArray(peerIndex, { minLength: 0, maxLength: 4 })).map(
  ([i, ps]) =>
    new Step(`permission c${i} ${ps.join(',')}`, (w) => {
      const peers = ps.map((p) => PEERS[p]);
      w.request(i, Method.CreatePermission, peers.map((value) => ({ type: Attr.XorPeerAddress, value })), { peers });
    }),
);

const channelBind = fc.tuple(client, fc.constantFrom(...CHANNELS), peerIndex).map(
  ([i, n, p]) =>
    new Step(`bind c${i} 0x${n.toString(16)} p${p}`, (w) =>
      w.request(i, Method.ChannelBind, [{ type: Attr.ChannelNumber, value: n }, { type: Attr.XorPeerAddress, value: PEERS[p] }], { peers: [PEERS[p]], channel: n })),
);

const size = fc.constantFrom(0, 1, 200, 1400, 1400, 65_000);

const send = fc.tuple(client, dataPeer, size).map(
  ([i, p, n]) =>
    new Step(`send c${i} p${p} ${n}`, (w) => {
      const bytes = encodeMessage({ method: Method.Send, class: MessageClass.Indication, transactionId: w.clients[i].newTid(), attributes: [{ type: Attr.XorPeerAddress, value: PEERS[p] }, { type: Attr.Data, value: new Uint8Array(n) }] });
      w.clients[i].sendRaw(bytes);
    }),
);

const channelData = fc.tuple(client, fc.constantFrom(...CHANNELS), size, fc.boolean()).map(
  ([i, n, len, lie]) =>
    new Step(`channel-data c${i} 0x${n.toString(16)} ${len}${lie ? ' lying' : ''}`, (w) => {
      const buf = Buffer.alloc(4 + len);
      buf.writeUInt16BE(n, 0);
      // A lying length claims more than arrived.
      buf.writeUInt16BE(lie ? Math.min(0xffff, len + 9) : len, 2);
      w.clients[i].sendRaw(buf);
    }),
);

const fromPeer = fc.tuple(dataPeer, fc.integer({ min: 0, max: 4 }), fc.constantFrom(1, 900, 65_507, 65_527), fc.integer({ min: 1, max: 65535 })).map(
  ([p, target, n, port]) =>
    new Step(`from-peer p${p} to c${target} ${n}`, (w) => {
      const alloc = w.allocationOf(target);
      if (!alloc || alloc.relays.length === 0) return;
      const peer = PEERS[p];
      const relay = alloc.relayFor(peer.family) ?? alloc.relays[0];
      // Sometimes from the bound port, sometimes from another port of the same IP.
      w.bench.fromPeer(relay, peer.address, port % 3 === 0 ? port : peer.port, new Uint8Array(n));
    }),
);

const mutated = fc.tuple(client, fc.constantFrom('allocate', 'refresh', 'permission', 'bind'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(
  ([i, kind, flips, cut]) =>
    new Step(`mutated c${i} ${kind} ${JSON.stringify(flips)} cut ${cut}`, (w) => {
      const c = w.clients[i];
      const method = { allocate: Method.Allocate, refresh: Method.Refresh, permission: Method.CreatePermission, bind: Method.ChannelBind }[kind];
      const attrs: StunAttribute[] =
        kind === 'allocate' ? [UDP_TRANSPORT] : kind === 'refresh' ? [{ type: Attr.Lifetime, value: 0 }] : kind === 'permission' ? [{ type: Attr.XorPeerAddress, value: PEERS[0] }] : [{ type: Attr.ChannelNumber, value: 0x4000 }, { type: Attr.XorPeerAddress, value: PEERS[1] }];
      const { bytes } = c.build(method, attrs);
      const out = Buffer.from(bytes);
      for (const [pos, value] of flips) out[pos % out.length] = value;
      // A "mutation" that changed nothing is a valid request; its answer counts like any other.
      const peers = attrs.filter((a) => a.type === Attr.XorPeerAddress).map((a) => a.value as TransportAddress);
      w.sent.set(w.key(i, out.subarray(8, 20)), { client: i, method, peers, channel: kind === 'bind' ? 0x4000 : undefined });
      c.sendRaw(cut === null ? out : out.subarray(0, cut % (out.length + 1)));
    }),
);

const garbage = fc.tuple(client, fc.uint8Array({ maxLength: 80 })).map(([i, bytes]) => new Step(`garbage c${i} ${Buffer.from(bytes).toString('hex')}`, (w) => w.clients[i].sendRaw(bytes)));

const retransmit = client.map((i) => new Step(`retransmit c${i}`, (w) => {
  const last = w.lastRequest.get(i);
  if (last) w.clients[i].sendRaw(last);
}));

const forgeNonce = fc.tuple(client, fc.constantFrom('garbled', 'other-client', 'empty')).map(
  ([i, how]) =>
    new Step(`nonce c${i} ${how}`, (w) => {
      const c = w.clients[i];
      if (how === 'garbled') c.nonce = (c.nonce ?? 'obMatJos2AAAA').slice(0, -2) + 'zz';
      else if (how === 'empty') c.nonce = '';
      else c.nonce = w.clients[(i + 1) % w.clients.length].nonce;
    }),
);

const advance = fc.constantFrom(0, 1_000, 30_000, 299_999, 300_001, 600_000, 3_600_000).map(
  (ms) => new Step(`advance ${ms}`, (w) => {
    w.bench.advance(ms);
    w.tick();
  }),
);

/** A well-behaved client's session set-up, so sequences reach relaying states often. */
const session = fc.tuple(client, fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(0x4000, 0x4001, 0x4fff), fc.boolean()).map(
  ([i, ps, n, dual]) =>
    new Step(`session c${i} p${ps.join(',')} 0x${n.toString(16)}${dual ? ' dual' : ''}`, (w) => {
      const c = w.clients[i];
      const attrs: StunAttribute[] = [UDP_TRANSPORT];
      if (dual) attrs.push({ type: Attr.AdditionalAddressFamily, value: 'IPv6' });
      if (c.nonce === undefined) {
        const { bytes } = c.build(Method.Allocate, attrs, { sign: false });
        c.sendRaw(bytes);
        w.absorb();
      }
      if (!w.allocationOf(i)) w.request(i, Method.Allocate, attrs);
      w.completePending();
      const peers = ps.map((p) => PEERS[p]);
      w.request(i, Method.CreatePermission, peers.map((value) => ({ type: Attr.XorPeerAddress, value })), { peers });
      w.absorb();
      w.request(i, Method.ChannelBind, [{ type: Attr.ChannelNumber, value: n }, { type: Attr.XorPeerAddress, value: peers[0] }], { peers: [peers[0]], channel: n });
    }),
);

const closeTcp = fc.constant(new Step('close-tcp', (w) => w.closeTcp()));
const complete = fc.constant(new Step('complete-pending', (w) => w.completePending()));

const steps = fc.commands(
  [session, session, allocate, allocate, refresh, createPermission, channelBind, send, send, channelData, channelData, fromPeer, fromPeer, fromPeer, mutated, garbage, retransmit, forgeNonce, advance, closeTcp, complete],
  { maxCommands: 60, size: 'large' },
);

test(`TURN core under ${RUNS} random sequences of requests, indications, ChannelData, peer datagrams and clock steps`, () => {
  let sequences = 0;
  let total = 0;
  const seen = { allocations: 0, relayedToPeers: 0, relayedToClients: 0, drops: 0 };
  fc.assert(
    fc.property(fc.boolean(), steps, (manual, cmds) => {
      const world = new World(manual);
      const model: Model = { steps: 0 };
      fc.modelRun(() => ({ model, real: world }), cmds);
      world.drain();
      sequences++;
      total += model.steps;
      const c = world.bench.core.counters;
      seen.allocations += c.allocationsCreated;
      seen.relayedToPeers += world.bench.driver.toPeers.length;
      seen.relayedToClients += c.channelDataOut + c.dataIndicationsOut;
      seen.drops += c.dropped;
    }),
    { numRuns: RUNS },
  );
  assert.ok(sequences >= RUNS);
  process.stdout.write(`# stateful fuzz: ${sequences} sequences, ${total} steps; ${JSON.stringify(seen)}\n`);
  // The sequences reach deep states, not only refusals.
  assert.ok(seen.allocations > RUNS / 4 && seen.relayedToPeers > 0 && seen.relayedToClients > 0, JSON.stringify(seen));
});
