/**
 * The TCP/TLS stream framer (RFC 8656 §12.5) and the datagram demultiplexer (RFC 7983) under
 * fast-check: model-based runs that push valid STUN and ChannelData frames, split anywhere,
 * interleaved with garbage; and random datagrams through the whole ingress of a core that has
 * a live allocation, where every datagram must be accounted for and nothing may throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_FRAME, StreamFramer } from '../../src/server/stream-framer.ts';
import { encodeChannelData, encodeMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { message } from '../stun/arbitraries.ts';
import { peer, TurnHarness } from '../helpers/turn-harness.ts';

const RUNS = Number(process.env.TURNPIKE_FUZZ_RUNS ?? 3000);

/** A frame as it travels on a stream: a STUN message, or ChannelData padded to 4 bytes. */
const frame: fc.Arbitrary<Uint8Array> = fc.oneof(
  message.map((m) => {
    try {
      return new Uint8Array(encodeMessage(m));
    } catch {
      return new Uint8Array(encodeMessage({ ...m, attributes: [] }));
    }
  }),
  fc.tuple(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 300 })).map(([n, data]) => new Uint8Array(encodeChannelData(n, data, true))),
  fc.integer({ min: 0x4000, max: 0x4fff }).map((n) => new Uint8Array(encodeChannelData(n, new Uint8Array(65_535), true))),
);

interface FramerModel {
  /** frames pushed whole or in part, not yet given out */
  expected: Uint8Array[];
  /** bytes of the frame at the head already pushed */
  partial: number;
  broken: boolean;
}

interface FramerReal {
  framer: StreamFramer;
  got: Uint8Array[];
  garbage: boolean;
}

function push(r: FramerReal, bytes: Uint8Array): void {
  const out = r.framer.push(bytes);
  for (const f of out.frames) r.got.push(Uint8Array.from(f));
  if (out.garbage) r.garbage = true;
  assert.ok(r.framer.pendingBytes <= MAX_FRAME, 'at most one partial frame is held');
}

/** Pushes whole frames, the last one cut at `cut` bytes (the rest comes with a later push). */
class PushFrames implements fc.Command<FramerModel, FramerReal> {
  readonly frames: Uint8Array[];
  readonly cut: number;
  constructor(frames: Uint8Array[], cut: number) {
    this.frames = frames;
    this.cut = cut;
  }
  check(m: Readonly<FramerModel>): boolean {
    return !m.broken;
  }
  run(m: FramerModel, r: FramerReal): void {
    // Finish the frame left partial, then these.
    const head = m.partial > 0 ? m.expected[m.expected.length - 1].subarray(m.partial) : new Uint8Array(0);
    const all = Buffer.concat([head, ...this.frames]);
    const keep = this.frames.length === 0 ? 0 : this.cut % this.frames[this.frames.length - 1].length;
    const send = keep === 0 ? all : all.subarray(0, all.length - (this.frames[this.frames.length - 1].length - keep));
    m.expected.push(...this.frames);
    m.partial = keep;
    push(r, send);
    const complete = m.partial > 0 ? m.expected.length - 1 : m.expected.length;
    assert.equal(r.garbage, false);
    assert.equal(r.got.length, complete, 'every complete frame, and only those');
    for (let i = 0; i < complete; i++) assert.deepEqual(r.got[i], m.expected[i]);
  }
  toString(): string {
    return `push ${this.frames.length} frames cut ${this.cut}`;
  }
}

/** Pushes bytes that cannot start a frame (first byte 0x80-0xFF or a bad magic cookie). */
class PushGarbage implements fc.Command<FramerModel, FramerReal> {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  check(m: Readonly<FramerModel>): boolean {
    return m.partial === 0;
  }
  run(m: FramerModel, r: FramerReal): void {
    const before = r.got.length;
    push(r, this.bytes);
    m.broken = true;
    assert.equal(r.garbage, true, 'garbage is recognised');
    assert.equal(r.got.length, before, 'and yields nothing');
    push(r, new Uint8Array(encodeChannelData(0x4000, new Uint8Array(4), true)));
    assert.equal(r.got.length, before, 'a broken stream stays broken');
  }
  toString(): string {
    return `garbage ${Buffer.from(this.bytes).toString('hex')}`;
  }
}

const garbage = fc.oneof(
  fc.tuple(fc.integer({ min: 0x80, max: 0xff }), fc.uint8Array({ maxLength: 30 })).map(([b, rest]) => Uint8Array.of(b, ...rest)),
  // A STUN-looking header with the wrong magic cookie.
  fc.uint8Array({ minLength: 4, maxLength: 4 }).filter((c) => Buffer.from(c).readUInt32BE(0) !== 0x2112a442).map((c) => Uint8Array.of(0, 1, 0, 0, ...c, ...new Uint8Array(12))),
);

describe('StreamFramer', () => {
  it('model-based: frames split anywhere come out whole and in order; garbage ends the stream', () => {
    const commands = fc.commands([
      fc.tuple(fc.array(frame, { maxLength: 4 }), fc.nat()).map(([f, cut]) => new PushFrames(f, cut)),
      garbage.map((g) => new PushGarbage(g)),
    ], { maxCommands: 30 });
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(() => ({ model: { expected: [], partial: 0, broken: false }, real: { framer: new StreamFramer(0x4fff), got: [], garbage: false } }), cmds);
      }),
      { numRuns: Math.ceil(RUNS / 10) },
    );
  });

  it('any bytes in any chunks: never throws, holds at most one frame, and yields only what frames its bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const r: FramerReal = { framer: new StreamFramer(0x7fff), got: [], garbage: false };
        for (const c of chunks) push(r, c);
        const total = chunks.reduce((n, c) => n + c.length, 0);
        assert.ok(r.got.reduce((n, f) => n + f.length, 0) <= total);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the datagram demultiplexer and ingress', () => {
  it('accounts for every random datagram (answered, relayed or counted as a drop) and never throws', () => {
    const bench = new TurnHarness({ core: { unauthenticatedRateLimit: 0 } });
    const client = bench.client();
    client.allocateOk();
    client.createPermission([peer('203.0.113.5')]);
    client.channelBind(0x4000, peer('203.0.113.5'));
    // First bytes of every kind RFC 7983 names, and lengths that tell the truth or lie.
    const datagram = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 80 })).map(([a, b, len, rest]) => {
        const h = Buffer.alloc(4);
        h[0] = a;
        h[1] = b;
        h.writeUInt16BE(len, 2);
        return Uint8Array.from(Buffer.concat([h, rest]));
      }),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 16, maxLength: 100 })).map(([b, rest]) => {
        const out = Buffer.concat([Buffer.from([b, 1, 0, rest.length - 16 & ~3]), Buffer.from([0x21, 0x12, 0xa4, 0x42]), rest]);
        return Uint8Array.from(out);
      }),
      message.map((m) => {
        try {
          return new Uint8Array(encodeMessage({ ...m, class: fc.sample(fc.constantFrom(MessageClass.Request, MessageClass.Indication), 1)[0] }));
        } catch {
          return new Uint8Array(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: m.transactionId, attributes: [] }));
        }
      }),
    );
    fc.assert(
      fc.property(datagram, (bytes) => {
        const c = bench.core.counters;
        const before = { drops: c.dropped, sent: bench.udp.sent.length, peers: bench.driver.toPeers.length, answers: c.successResponses + c.errorResponses + c.keepalives };
        client.sendRaw(bytes);
        const after = { drops: c.dropped, sent: bench.udp.sent.length, peers: bench.driver.toPeers.length, answers: c.successResponses + c.errorResponses + c.keepalives };
        const accounted = after.drops > before.drops || after.sent > before.sent || after.peers > before.peers || after.answers > before.answers;
        assert.ok(accounted, `a datagram went unaccounted: ${Buffer.from(bytes).toString('hex')}`);
        for (const d of bench.udp.sent.slice(before.sent)) assert.ok(d.data.length > 0);
      }),
      { numRuns: RUNS },
    );
    assert.equal(bench.faultCounts.size, 0);
    void Attr;
  });
});
