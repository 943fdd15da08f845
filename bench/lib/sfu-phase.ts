/**
 * One phase of the SFU fan-out bench (bench/sfu-fanout.ts), on the clients' side: `rooms` rooms,
 * each with one publisher sending a synthetic VP8 stream at `rate` packets a second and `subs`
 * subscribers, all node-datachannel clients in this process; the SFU's figures come from its
 * process over IPC (`stats`), before and after the measured seconds.
 */
import type { ChildProcess } from 'node:child_process';
import type { Track } from 'node-datachannel';
import { TestClient, waitFor } from '../../harness/ndc-client.ts';
import type { SfuStats } from '../../src/sfu/index.ts';
import { writeRtpIds } from '../../src/sfu/rtp/rtp-packet.ts';
import { residenceOf, residenceQuantile, residenceSince } from '../../src/sfu/media/residence.ts';

/** What the SFU process reports when asked. */
export interface Sample {
  stats: SfuStats;
  cpu: NodeJS.CpuUsage;
  threads: Record<string, number>;
  /** the native media worker's counters (NativeMedia.counters()); empty on the stack path */
  worker: Record<string, number>;
  /** performance.now() in the SFU process when sampled */
  at: number;
}

function ask(child: ChildProcess): Promise<Sample> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Sample));
    child.send('stats');
  });
}

/** The shape of a phase: rooms, subscribers in each, packets a second from each publisher. */
export interface PhaseShape {
  readonly rooms: number;
  readonly subs: number;
  readonly rate: number;
}

export interface PhaseResult extends PhaseShape {
  sent: number;
  forwarded: number;
  cpuSeconds: number;
  delivery: number;
  p50: number;
  p99: number;
  /** the latency the SFU itself adds, ms: RTP's receive time to the end of its send (the native path's residence histogram) */
  sfuP50?: number;
  sfuP99?: number;
  shed: number;
  retransmitted: number;
  /** the SFU's CPU seconds per second with the rooms set up and no media flowing */
  idleCpuPerSecond: number;
  /** the media worker's counters that moved during the phase (drops by reason among them) */
  worker: Record<string, number>;
  /** each SFU thread's CPU time (µs) and times put on a CPU during the phase, by name (Linux) */
  threads: Record<string, number>;
}

export const PAYLOAD = 1000;
const VIDEO_SSRC = 0x5eed;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A paced synthetic VP8 sender: `rate` packets a second in 5 ms bursts, send time in the payload. */
class Pump {
  sent = 0;
  counting = false;
  readonly #timer: NodeJS.Timeout;

  constructor(video: Track, rate: number) {
    let seq = 0;
    let owed = 0;
    const buf = Buffer.alloc(12 + PAYLOAD);
    buf[0] = 0x80;
    buf[1] = 96;
    this.#timer = setInterval(() => {
      owed += rate / 200;
      for (; owed >= 1; owed--) {
        seq = (seq + 1) & 0xffff;
        writeRtpIds(buf, seq, Math.floor(performance.now() * 90), VIDEO_SSRC);
        buf[12] = 0x10;
        buf[13] = seq % 100 === 1 ? 0x00 : 0x01; // VP8 payload header: the keyframe bit
        buf.writeDoubleBE(performance.now(), 16);
        try {
          if (video.sendMessageBinary(buf) && this.counting) this.sent++;
        } catch {
          return; // the track closed at the end of the phase
        }
      }
    }, 5);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Joins `n` subscribers, ten at a time; the first `probes` hand their packets to JavaScript. */
async function joinSubscribers(url: string, room: string, n: number, probes: number, clients: TestClient[]): Promise<TestClient[]> {
  const subs: TestClient[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async (_, k) => {
        const c = await TestClient.connect(url, `sub-${room}-${i + k}`, { keepPackets: false, listen: i + k < probes });
        clients.push(c);
        await c.join(room, `sub${i + k}`, { noPublish: true });
        return c;
      }),
    );
    subs.push(...batch);
  }
  // Probes must see packets; silent subscribers must have their video track open.
  const ready = (s: TestClient, i: number) => s.subTracks.some((t) => t.kind === 'video' && (i < probes ? t.count > 0 : t.track.isOpen()));
  try {
    await waitFor(() => subs.every(ready), 'every subscriber receiving', 30_000);
  } catch (err) {
    const waiting = subs.filter((s, i) => !ready(s, i));
    throw new Error(`${(err as Error).message}: ${waiting.length} of ${n} not receiving`, { cause: err });
  }
  return subs;
}

/** What moved between two samples of a counter set (only what did). */
/** The SFU's own p50 and p99 during the phase, ms, from its residence histogram (native path only). */
function inSfu(before: Record<string, number>, after: Record<string, number>): { sfuP50?: number; sfuP99?: number } {
  const a = residenceOf(before), b = residenceOf(after);
  if (!a || !b) return {};
  const h = residenceSince(a, b);
  const p50 = residenceQuantile(h, 0.5), p99 = residenceQuantile(h, 0.99);
  return p50 === undefined || p99 === undefined ? {} : { sfuP50: p50 / 1000, sfuP99: p99 / 1000 };
}

function moved(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function threadReport(before: Sample, after: Sample): string {
  const threads = Object.entries(moved(before.threads, after.threads))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `  user ${(after.cpu.user - before.cpu.user) / 1e6} s, system ${(after.cpu.system - before.cpu.system) / 1e6} s; by thread: ${threads}`;
}

/** A probe subscriber's video track and the pump of its room. */
interface Probe {
  readonly track: TestClient['subTracks'][number];
  readonly pump: Pump;
}

/** Sets up the rooms, measures `seconds` of media and a second of rest, and takes everything down. */
export async function phase(url: string, child: ChildProcess, shape: PhaseShape, seconds: number, name: string): Promise<PhaseResult> {
  const { rooms, subs: n, rate } = shape;
  const clients: TestClient[] = [];
  const pumps: Pump[] = [];
  try {
    // A few "probe" subscribers hand every packet to JavaScript (latency, exact counts); the
    // others only let the stack receive and decrypt, so the bench itself stays light.
    const probeBudget = rate * rooms > 3000 ? 2 : 5;
    const probes: Probe[] = [];
    for (let r = 0; r < rooms; r++) {
      const room = rooms === 1 ? name : `${name}-r${r}`;
      const pub = await TestClient.connect(url, `pub-${room}`, { keepPackets: false });
      clients.push(pub);
      await pub.join(room, 'publisher');
      const { video } = await pub.publish({ videoSsrc: VIDEO_SSRC, stream: 'bench' });
      if (!video) throw new Error('no video track');
      await waitFor(() => video.isOpen(), 'publisher track open', 30_000);
      const pump = new Pump(video, rate);
      pumps.push(pump);
      const here = Math.min(n, Math.max(0, probeBudget - probes.length), rooms === 1 ? n : 1);
      const subs = await joinSubscribers(url, room, n, here, clients);
      for (const s of subs.slice(0, here)) probes.push({ track: s.subTracks.find((t) => t.kind === 'video')!, pump });
    }
    const delays: number[] = [];
    const counting = () => pumps[0].counting;
    for (const { track } of probes) {
      track.onRtp = (p) => {
        if (counting() && p.length >= 24) delays.push(performance.now() - p.readDoubleBE(p.length - PAYLOAD + 4));
      };
    }

    const before = await ask(child);
    const counted0 = probes.map((p) => p.track.count);
    for (const p of pumps) p.counting = true;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    for (const p of pumps) p.counting = false;
    const after = await ask(child);
    // Let in-flight packets land before counting what arrived.
    await new Promise((r) => setTimeout(r, 300));
    const counted = probes.reduce((a, p, i) => a + p.track.count - counted0[i], 0);
    const expected = probes.reduce((a, p) => a + p.pump.sent, 0);
    // The same rooms with no media for a second: what the SFU costs at rest (timers, ICE
    // consent, RTCP, the event loop), which per-packet costs at low rates include.
    for (const p of pumps) p.stop();
    await new Promise((r) => setTimeout(r, 200));
    const rest0 = await ask(child);
    await new Promise((r) => setTimeout(r, 1000));
    const rest1 = await ask(child);
    const cpuOf = (a: Sample, b: Sample) => (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1e6;
    if (process.env.SFU_BENCH_VERBOSE) console.log(threadReport(before, after));
    delays.sort((a, b) => a - b);
    const delta = (k: 'rtpOut' | 'shed' | 'retransmitted') => after.stats.media[k] - before.stats.media[k];
    const sent = pumps.reduce((a, p) => a + p.sent, 0);
    return {
      ...shape,
      sent,
      forwarded: delta('rtpOut'),
      cpuSeconds: cpuOf(before, after),
      delivery: expected === 0 ? 0 : Math.min(1, counted / expected),
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      ...inSfu(before.worker, after.worker),
      shed: delta('shed'),
      retransmitted: delta('retransmitted'),
      idleCpuPerSecond: cpuOf(rest0, rest1) / ((rest1.at - rest0.at) / 1000),
      worker: moved(before.worker, after.worker),
      threads: moved(before.threads, after.threads),
    };
  } finally {
    for (const p of pumps) p.stop();
    for (const c of clients) await c.close().catch(() => {});
  }
}
