/**
 * `turnpike sfu -m ADDR` serves Prometheus' /metrics as ion-sfu does: process metrics always,
 * and with `[sfu] withstats = true` ion-sfu's sfu_* gauges and the rtp_* counters the SFU fills,
 * which follow a client joining and publishing over the JSON-RPC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../../harness/children.ts';
import { TestClient, releaseWebrtc, sendWhileOpen } from '../../harness/ndc-client.ts';
import { freeRange, freeTcpPort } from '../../harness/ports.ts';
import { printed } from '../../harness/ready.ts';
import { turnpikeCommand } from '../../harness/servers.ts';
import { writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { parseExposition, sampleValue, type Family } from '../metrics/exposition.ts';

/** A bare RTP packet (no extensions), as a publisher sends it. */
function rtpPacket(pt: number, seq: number, ts: number, ssrc: number, payload: number[]): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  writeRtpIds(b, seq, ts, ssrc);
  b.set(payload, 12);
  return b;
}

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Scrapes until `cond` holds (no timing asserted: only a generous bound against hanging). */
async function scrapeUntil(url: string, cond: (m: Map<string, Family>) => boolean, what: string): Promise<Map<string, Family>> {
  const end = Date.now() + 30_000;
  for (;;) {
    const m = await scrape(url);
    if (cond(m)) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSfu(withStats: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-sfu-metrics-'));
  const { min } = await freeRange(101);
  const http = await freeTcpPort();
  const metricsPort = await freeTcpPort();
  const file = join(dir, 'config.toml');
  writeFileSync(file, `[sfu]\nwithstats = ${withStats}\n\n[webrtc]\nportrange = [${min}, ${min + 100}]\nbindaddress = "127.0.0.1"\n`);
  const child = await launch(turnpikeCommand(['sfu', '-c', file, '-a', `127.0.0.1:${http}`, '-m', `127.0.0.1:${metricsPort}`]), printed(['sfu.listening'], 20_000), { keep: 50_000 });
  return { child, ws: `ws://127.0.0.1:${http}/ws`, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

test('without withstats: process metrics only, on /metrics alone', { timeout: 30_000 }, async (t) => {
  const sfu = await startSfu(false);
  t.after(() => sfu.child.stop());
  const m = await scrape(sfu.metrics);
  assert.equal(m.get('process_cpu_seconds_total')?.type, 'counter');
  assert.ok((sampleValue(m, 'process_resident_memory_bytes') ?? 0) > 0);
  assert.ok((sampleValue(m, 'nodejs_heap_size_used_bytes') ?? 0) > 0);
  assert.equal(m.has('sfu_sessions'), false);
  assert.equal(m.has('rtp_packets'), false);
  assert.equal((await fetch(sfu.metrics.replace('/metrics', '/'))).status, 404);
  await sfu.child.stop(10_000);
  assert.equal(await sfu.child.exited, 0);
});

test('withstats: sfu_sessions, track gauges and rtp counters follow a publisher', { timeout: 60_000 }, async (t) => {
  const sfu = await startSfu(true);
  const clients: TestClient[] = [];
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await sfu.child.stop();
    releaseWebrtc();
  });
  let m = await scrape(sfu.metrics);
  assert.ok(m.has('process_cpu_seconds_total'));
  for (const name of ['sfu_sessions', 'sfu_peers', 'sfu_audio_tracks', 'sfu_video_tracks']) {
    assert.equal(m.get(name)?.type, 'gauge', name);
    assert.equal(sampleValue(m, name), 0, name);
  }
  for (const name of ['rtp_packets', 'rtp_bytes']) {
    assert.equal(m.get(name)?.type, 'counter', name);
    assert.equal(sampleValue(m, name), 0, name);
  }
  assert.equal(m.get('sfu_sessions')?.help, 'Current number of sessions');

  const pub = await TestClient.connect(sfu.ws, 'P');
  clients.push(pub);
  const joined = await pub.join('metrics-room', 'publisher');
  assert.ok(joined.result, 'join answered');
  m = await scrapeUntil(sfu.metrics, (x) => sampleValue(x, 'sfu_sessions') === 1, 'sfu_sessions = 1');
  assert.equal(sampleValue(m, 'sfu_peers'), 1);

  const { audio, video } = await pub.publish({ audioSsrc: 0x1111, videoSsrc: 0x2222, stream: 'metrics-stream' });
  let seq = 0;
  const pump = setInterval(() => {
    seq++;
    sendWhileOpen(audio, rtpPacket(111, seq, seq * 960, 0x1111, [0xaa]));
    sendWhileOpen(video, rtpPacket(96, seq, seq * 3000, 0x2222, [0x10, 0, 0x9d, 0x01, 0x2a]));
  }, 20);
  t.after(() => clearInterval(pump));
  m = await scrapeUntil(sfu.metrics, (x) => sampleValue(x, 'sfu_audio_tracks') === 1 && sampleValue(x, 'sfu_video_tracks') === 1, 'one audio and one video track');
  assert.ok((sampleValue(m, 'rtp_packets') ?? 0) >= 2, 'rtp_packets counts what was received');
  assert.ok((sampleValue(m, 'rtp_bytes') ?? 0) >= 2 * 12);
  assert.equal(sampleValue(m, 'sfu_sessions'), 1);
  // The native media path's residence histogram: cumulative buckets in seconds, +Inf = _count.
  m = await scrapeUntil(sfu.metrics, (x) => (sampleValue(x, 'sfu_media_residence_seconds_count') ?? 0) >= 2, 'residence counted');
  const residence = m.get('sfu_media_residence_seconds');
  assert.equal(residence?.type, 'histogram');
  const buckets = residence!.samples.filter((s) => s.name === 'sfu_media_residence_seconds_bucket');
  assert.deepEqual(buckets.map((s) => s.labels.le), ['0.00005', '0.0001', '0.0002', '0.0005', '0.001', '0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '+Inf']);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
  assert.equal(buckets.at(-1)!.value, sampleValue(m, 'sfu_media_residence_seconds_count'));
  assert.ok((sampleValue(m, 'sfu_media_residence_seconds_sum') ?? -1) >= 0);

  clearInterval(pump);
  await pub.close();
  m = await scrapeUntil(sfu.metrics, (x) => sampleValue(x, 'sfu_sessions') === 0, 'the session to end');
  assert.equal(sampleValue(m, 'sfu_audio_tracks'), 0);
  assert.equal(sampleValue(m, 'sfu_video_tracks'), 0);
  assert.ok((sampleValue(m, 'rtp_packets') ?? 0) >= 2, 'counters do not go back');
  await sfu.child.stop(10_000);
  assert.equal(await sfu.child.exited, 0);
});
