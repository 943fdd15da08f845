/**
 * The media worker's tick timer (native/src/sfu/media-worker.c, tick): off while the worker has
 * no connections, every 20 ms while datagrams come in, every 100 ms for rooms at rest. Counts of
 * ticks over a window are bounded from the side a loaded machine cannot cross: a late timer
 * ticks less, never more.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { MediaWorker } from '../../../src/sfu/native/media-worker.ts';

const HOST = '127.0.0.1';
const skip = MediaWorker.available() ?? false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('native media worker: its tick', { skip }, () => {
  const workers: MediaWorker[] = [];
  const sockets: dgram.Socket[] = [];
  after(() => {
    for (const w of workers) w.stop();
    for (const s of sockets) s.close();
  });

  function worker(): MediaWorker {
    const started = MediaWorker.start({ address: HOST, port: 0 });
    assert.ok(started.ok, started.ok ? '' : started.error);
    workers.push(started.value);
    return started.value;
  }

  async function peer(): Promise<{ s: dgram.Socket; port: number }> {
    const s = dgram.createSocket('udp4');
    sockets.push(s);
    await new Promise<void>((r) => s.bind(0, HOST, () => r()));
    return { s, port: s.address().port };
  }

  it('does not tick without connections; the first connection starts it, removing the last stops it', async () => {
    const w = worker();
    await sleep(150); // the tick armed at start has fired and found nothing to tick for
    const idle = w.counters().ticks;
    await sleep(300);
    assert.equal(w.counters().ticks, idle, 'no ticks with no connections');
    const { port } = await peer();
    assert.ok(w.connAdd(1, { rtcpSsrc: 1, address: HOST, port, profile: 0 }).ok);
    const t0 = w.counters().ticks;
    await sleep(300);
    assert.ok(w.counters().ticks - t0 >= 1, 'a connection brings the tick back');
    assert.ok(w.connRemove(1).ok);
    await sleep(300); // the next tick finds no connection and stops the timer
    const stopped = w.counters().ticks;
    await sleep(300);
    assert.equal(w.counters().ticks, stopped, 'no ticks once the last connection is gone');
  });

  it('at rest it ticks every 100 ms, not every 20', async () => {
    const w = worker();
    const { port } = await peer();
    assert.ok(w.connAdd(1, { rtcpSsrc: 1, address: HOST, port, profile: 0 }).ok);
    await sleep(400); // five quiet ticks
    const t0 = w.counters().ticks;
    await sleep(1000);
    const ticks = w.counters().ticks - t0;
    assert.ok(ticks <= 14, `${ticks} ticks in a quiet second (every 25 ms would be 40)`);
  });

  it('datagrams coming in bring the 20 ms tick back', async () => {
    const w = worker();
    const { s, port } = await peer();
    assert.ok(w.connAdd(1, { rtcpSsrc: 1, address: HOST, port, profile: 0 }).ok);
    await sleep(400);
    // An RTP-range datagram every 5 ms for 800 ms (no up-track: dropped and counted, but it came in).
    const t0 = w.counters().ticks;
    const end = Date.now() + 800;
    while (Date.now() < end) {
      s.send(Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4]), w.port, HOST);
      await sleep(5);
    }
    const ticks = w.counters().ticks - t0;
    assert.ok(ticks >= 12, `${ticks} ticks in 800 ms of traffic (every 100 ms would be 8)`);
  });
});
