import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalConnection, SfuErrorText } from '../../../src/sfu/signal/connection.ts';
import type { Outcome, PeerHandle, RoomService, SignalSink } from '../../../src/sfu/room/types.ts';
import type { JoinParams } from '../../../src/sfu/signal/schema.ts';

const offer = { type: 'offer', sdp: 'v=0\r\n' };

interface Fake {
  rooms: RoomService;
  log: string[];
  sinks: SignalSink[];
  release: () => void;
}

/** A room service that records calls; joins wait for `release()` when `hold` is set. */
function fakeRooms(hold = false, fail?: string): Fake {
  const log: string[] = [];
  const sinks: SignalSink[] = [];
  let release = () => {};
  const gate = hold ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const rooms: RoomService = {
    async join(p: JoinParams, sink: SignalSink) {
      log.push(`join ${p.sid} ${p.uid}`);
      sinks.push(sink);
      await gate;
      if (fail) return { ok: false, error: fail };
      const peer: PeerHandle = {
        id: 'p1',
        async offer(sdp) {
          log.push(`offer ${sdp.length}`);
          if (sdp.includes('boom')) throw new Error('kaput');
          return { ok: true, value: 'v=0\r\nanswer' } as Outcome<string>;
        },
        async answer() {
          log.push('answer');
          return { ok: true, value: undefined };
        },
        trickle(target) {
          log.push(`trickle ${target}`);
          return { ok: true, value: undefined };
        },
        close() {
          log.push('close');
        },
      };
      return { ok: true, value: { peer, answer: 'v=0\r\npub-answer' } };
    },
  };
  return { rooms, log, sinks, release: () => release() };
}

function setup(f: Fake, limits?: ConstructorParameters<typeof SignalConnection>[0]['limits']) {
  const out: any[] = [];
  const closes: number[] = [];
  let now = 0;
  const conn = new SignalConnection({
    rooms: f.rooms,
    send: (t) => out.push(JSON.parse(t)),
    close: (code) => closes.push(code),
    now: () => now,
    limits,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return { conn, out, closes, settle, tick: (ms: number) => (now += ms) };
}

test('a call before join gets ion-sfu\'s error, and nothing else happens', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'offer', params: { desc: offer }, id: 'a' }));
  conn.receive(JSON.stringify({ method: 'answer', params: { desc: { type: 'answer', sdp: 'v=0' } } }));
  conn.receive(JSON.stringify({ method: 'trickle', params: { target: 0, candidate: { candidate: '' } }, id: 'c' }));
  await settle();
  assert.deepEqual(out[0], { id: 'a', error: { code: 500, message: SfuErrorText.notJoined, data: null }, jsonrpc: '2.0' });
  assert.equal(out[1].id, null);
  assert.equal(out[1].error.message, SfuErrorText.notJoined);
  assert.equal(out[2].id, 'c');
  assert.deepEqual(f.log, []);
});

test('trickle notifications that overtake the join are applied after it', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'trickle', params: { target: 0, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } } }));
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  await settle();
  assert.deepEqual(f.log, ['join r ', 'trickle 0']);
  assert.equal(out.length, 1);
});

test('join answers with the publisher description; a second join is refused', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'room', uid: 'ann', offer }, id: 1 }));
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'room', offer }, id: 2 }));
  await settle();
  assert.deepEqual(out[0], { id: 1, result: { type: 'answer', sdp: 'v=0\r\npub-answer' }, jsonrpc: '2.0' });
  assert.equal(out[1].error.message, SfuErrorText.alreadyJoined);
  assert.deepEqual(f.log, ['join room ann']);
});

test('messages are handled in order: a trickle right after join waits for it', async () => {
  const f = fakeRooms(true);
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 'j' }));
  conn.receive(JSON.stringify({ method: 'trickle', params: { target: 0, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } } }));
  await settle();
  assert.deepEqual(f.log, ['join r ']);
  f.release();
  await settle();
  assert.deepEqual(f.log, ['join r ', 'trickle 0']);
  assert.equal(out.length, 1);
  assert.equal(out[0].id, 'j');
});

test('server notifications carry ion-sfu\'s shapes', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  await settle();
  f.sinks[0].offer('v=0\r\nsub');
  f.sinks[0].trickle(1, { candidate: 'candidate:x', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null });
  assert.deepEqual(out[1], { method: 'offer', params: { type: 'offer', sdp: 'v=0\r\nsub' }, jsonrpc: '2.0' });
  assert.deepEqual(out[2].params, { target: 1, candidate: { candidate: 'candidate:x', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } });
});

test('unknown methods, bad params and bad JSON get JSON-RPC errors and the connection carries on', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive('{garbage');
  conn.receive(JSON.stringify({ method: 'leave', params: {}, id: 5 }));
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 3, offer }, id: 6 }));
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'ok', offer }, id: 7 }));
  await settle();
  assert.equal(out[0].error.code, -32700);
  assert.deepEqual([out[1].id, out[1].error.code], [5, -32601]);
  assert.deepEqual([out[2].id, out[2].error.code], [6, -32602]);
  assert.match(out[2].error.message, /params\.sid/);
  assert.equal(out[3].id, 7);
  assert.ok(out[3].result);
});

test('a failure inside the room layer is answered with 500 and survived', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  conn.receive(JSON.stringify({ method: 'offer', params: { desc: { type: 'offer', sdp: 'v=0 boom' } }, id: 2 }));
  conn.receive(JSON.stringify({ method: 'offer', params: { desc: offer }, id: 3 }));
  await settle();
  assert.equal(out[1].error.code, 500);
  assert.match(out[1].error.message, /kaput/);
  assert.deepEqual(out[2].result, { type: 'answer', sdp: 'v=0\r\nanswer' });
});

test('join failures are reported', async () => {
  const f = fakeRooms(false, 'session is full');
  const { conn, out, settle } = setup(f);
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  await settle();
  assert.equal(out[0].error.message, 'session is full');
});

test('rate limit: requests over the budget get an error until tokens come back', async () => {
  const f = fakeRooms();
  const { conn, out, settle, tick } = setup(f, { maxFrameChars: 1000, messagesPerSecond: 1, burst: 2, maxQueued: 10 });
  for (let i = 0; i < 4; i++) conn.receive(JSON.stringify({ method: 'leave', id: i }));
  await settle();
  const limited = out.filter((m) => m.error.code === -32000);
  assert.deepEqual(limited.map((m) => [m.id, m.error.message]), [[2, 'rate limit exceeded'], [3, 'rate limit exceeded']]);
  assert.equal(out.filter((m) => m.error.code === -32601).length, 2);
  tick(1000);
  conn.receive(JSON.stringify({ method: 'leave', id: 9 }));
  await settle();
  assert.equal(out.at(-1).error.code, -32601);
});

test('frames over the size limit get an error without being parsed', async () => {
  const f = fakeRooms();
  const { conn, out, settle } = setup(f, { maxFrameChars: 100, messagesPerSecond: 100, burst: 100, maxQueued: 10 });
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 'x'.repeat(200), offer }, id: 1 }));
  await settle();
  assert.equal(out[0].error.code, -32000);
  assert.match(out[0].error.message, /frame larger than 100/);
  assert.deepEqual(f.log, []);
});

test('closing the socket closes the peer, even when its join lands afterwards', async () => {
  const f = fakeRooms();
  const a = setup(f);
  a.conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  await a.settle();
  a.conn.closed();
  assert.deepEqual(f.log, ['join r ', 'close']);

  const g = fakeRooms(true);
  const b = setup(g);
  b.conn.receive(JSON.stringify({ method: 'join', params: { sid: 'r', offer }, id: 1 }));
  await b.settle();
  b.conn.closed();
  g.release();
  await b.settle();
  assert.deepEqual(g.log, ['join r ', 'close']);
  assert.equal(b.out.length, 0);
});

test('a fault while handling one message is reported, answered with -32603, and the next message is handled', async () => {
  const f = fakeRooms();
  const out: any[] = [];
  const faults: unknown[] = [];
  let explode = true;
  const counters = {
    notifications: 0, errors: 0, rateLimited: 0,
    get requests() { return 0; },
    set requests(_v: number) { if (explode) { explode = false; throw new Error('bug in a counter'); } },
  };
  const conn = new SignalConnection({ rooms: f.rooms, send: (t) => out.push(JSON.parse(t)), close: () => {}, now: () => 0, counters, onFault: (e) => faults.push(e) });
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 's', uid: 'u', offer }, id: 1 }));
  conn.receive(JSON.stringify({ method: 'join', params: { sid: 's', uid: 'u', offer }, id: 2 }));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(faults.length, 1);
  assert.equal(out[0].error.code, -32603);
  assert.equal(out[1].id, 2, 'the queue went on');
  assert.equal(out[1].result.type, 'answer');
});
