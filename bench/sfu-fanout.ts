/**
 * SFU fan-out bench: one publisher, N = 1, 5, 20, 50 subscribers, all node-datachannel clients
 * on loopback, the SFU in its own process. A synthetic VP8 stream (1000-byte packets, a keyframe
 * every 100) is sent at a fixed rate; each phase reports forwarded packets per CPU-second of the
 * SFU process, delivery ratio (received / (sent × N)) and the added one-way latency (publisher
 * send → subscriber receive, both in this process, so one clock). Delivery and latency are
 * measured at up to five "probe" subscribers that hand every packet to JavaScript; the others
 * receive and decrypt in the WebRTC stack only, which keeps the load generator (sharing the
 * machine) light enough not to distort the SFU's figures. NACK buffering and RTCP (RR,
 * SR, REMB, PLI) are on, as in production. A last phase pushes past saturation to show the SFU
 * sheds late packets instead of collapsing. A short unmeasured phase warms the SFU up first.
 * Each phase ends with a second of rest (the room set up, no media) whose CPU cost is reported
 * as "idle ms/s". Runs about a minute and a half per media path and stops by itself.
 *
 * Both media paths are measured (docs/sfu.md, "The native media path"): `stack` (the WebRTC
 * stack, node-datachannel, RTP through JavaScript) and `native` (ICE-lite, DTLS-SRTP and the
 * router in the addon's media worker thread, RTP never in JavaScript). The SFU's CPU is
 * `process.cpuUsage()` of its process, which counts every thread, the media worker's included.
 *
 *   node bench/sfu-fanout.ts                  both paths, then native ÷ stack per phase
 *   node bench/sfu-fanout.ts --media=native   one path only (native or stack)
 *   node bench/sfu-fanout.ts --quick          shorter phases (smoke test)
 *   node bench/sfu-fanout.ts --only=0,3       only these phases (indices into the plan)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { createWebServer } from '../src/http/server.ts';
import { defaultSfuConfig, withOverrides } from '../src/sfu/config.ts';
import type { SfuConfig } from '../src/sfu/config-types.ts';
import { attachSfu, shutdownWebrtc } from '../src/sfu/index.ts';
import { NativeMedia, nativeMediaOptions } from '../src/sfu/native/native-media.ts';
import { silentLog } from '../src/sfu/types/log.ts';
import type { SfuStats } from '../src/sfu/index.ts';
import { writeRtpIds } from '../src/sfu/rtp/rtp-packet.ts';
import type { Track } from 'node-datachannel';
import { TestClient, releaseWebrtc, waitFor } from '../harness/ndc-client.ts';

// ---- the SFU side (child process) -------------------------------------------------------

/** CPU clock ticks (user + system) per thread name, from /proc (Linux only; empty elsewhere). */
function threadTicks(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + Number(f[11]) + Number(f[12]);
    }
  } catch {
    // not Linux
  }
  return out;
}

type MediaPath = 'native' | 'stack';

/**
 * The native path's worker, started here as `attachSfu` would (src/sfu/index.ts, `mediaPath`),
 * so that its counters (drops by reason) can be read; it fails when the addon has no media path.
 */
function startNative(config: SfuConfig): NativeMedia {
  const started = NativeMedia.start({ ...nativeMediaOptions(config, silentLog), port: 0 });
  if (!started.ok) throw new Error(`the native media path cannot start: ${started.error}`);
  return started.value;
}

async function serve(mediaPath: MediaPath): Promise<void> {
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1', mediaPath } });
  let native: NativeMedia | undefined;
  try {
    native = mediaPath === 'native' ? startNative(config) : undefined;
  } catch (err) {
    process.send?.({ error: (err as Error).message });
    process.exit(0);
  }
  const web = createWebServer({ host: '127.0.0.1', port: 0 });
  const sfu = attachSfu({ upgrade: (path, h) => web.upgrade(path, h), config, ...(native ? { transports: native } : {}) });
  const { port } = await web.listen();
  process.on('message', async (m: string) => {
    if (m === 'stats') process.send?.({ stats: sfu.stats(), cpu: process.cpuUsage(), threads: threadTicks(), worker: native?.counters() ?? {}, at: performance.now() });
    if (m === 'stop') {
      await sfu.close();
      await web.close();
      shutdownWebrtc();
      process.exit(0);
    }
  });
  // The bench parent gone (even killed): stop too.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

// ---- the clients (this process) ---------------------------------------------------------

interface Sample {
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

interface PhaseResult {
  subscribers: number;
  rate: number;
  sent: number;
  forwarded: number;
  cpuSeconds: number;
  delivery: number;
  p50: number;
  p99: number;
  shed: number;
  retransmitted: number;
  /** the SFU's CPU seconds per second with the room set up and no media flowing */
  idleCpuPerSecond: number;
  /** the media worker's counters that moved during the phase (drops by reason among them) */
  worker: Record<string, number>;
  /** the SFU's CPU ticks by thread during the phase (Linux) */
  threads: Record<string, number>;
}

const PAYLOAD = 1000;
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
  return `  user ${(after.cpu.user - before.cpu.user) / 1e6} s, system ${(after.cpu.system - before.cpu.system) / 1e6} s; ticks by thread: ${threads}`;
}

async function phase(url: string, child: ChildProcess, n: number, rate: number, seconds: number, room: string): Promise<PhaseResult> {
  const clients: TestClient[] = [];
  let pump: Pump | undefined;
  try {
    const pub = await TestClient.connect(url, `pub-${room}`, { keepPackets: false });
    clients.push(pub);
    await pub.join(room, 'publisher');
    const { video } = await pub.publish({ videoSsrc: VIDEO_SSRC, stream: 'bench' });
    if (!video) throw new Error('no video track');
    await waitFor(() => video.isOpen(), 'publisher track open', 15_000);
    pump = new Pump(video, rate);

    // A few "probe" subscribers hand every packet to JavaScript (latency, exact counts); the
    // others only let the stack receive and decrypt, so the bench itself stays light.
    const probes = Math.min(n, rate > 3000 ? 2 : 5);
    const subs = await joinSubscribers(url, room, n, probes, clients);
    const tracks = subs.slice(0, probes).map((s) => s.subTracks.find((t) => t.kind === 'video')!);
    const delays: number[] = [];
    for (const t of tracks) {
      t.onRtp = (p) => {
        if (pump?.counting && p.length >= 24) delays.push(performance.now() - p.readDoubleBE(p.length - PAYLOAD + 4));
      };
    }

    const before = await ask(child);
    const counted0 = tracks.reduce((a, t) => a + t.count, 0);
    pump.counting = true;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    pump.counting = false;
    const after = await ask(child);
    // Let in-flight packets land before counting what arrived.
    await new Promise((r) => setTimeout(r, 300));
    const counted = tracks.reduce((a, t) => a + t.count, 0) - counted0;
    // The same room with no media for a second: what the SFU costs at rest (timers, ICE
    // consent, RTCP, the event loop), which per-packet costs at low rates include.
    pump.stop();
    await new Promise((r) => setTimeout(r, 200));
    const rest0 = await ask(child);
    await new Promise((r) => setTimeout(r, 1000));
    const rest1 = await ask(child);
    const cpuOf = (a: Sample, b: Sample) => (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1e6;
    if (process.env.SFU_BENCH_VERBOSE) console.log(threadReport(before, after));
    delays.sort((a, b) => a - b);
    const delta = (k: 'rtpOut' | 'shed' | 'retransmitted') => after.stats.media[k] - before.stats.media[k];
    return {
      subscribers: n,
      rate,
      sent: pump.sent,
      forwarded: delta('rtpOut'),
      cpuSeconds: (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1e6,
      delivery: pump.sent === 0 ? 0 : Math.min(1, counted / (pump.sent * probes)),
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      shed: delta('shed'),
      retransmitted: delta('retransmitted'),
      idleCpuPerSecond: cpuOf(rest0, rest1) / ((rest1.at - rest0.at) / 1000),
      worker: moved(before.worker, after.worker),
      threads: moved(before.threads, after.threads),
    };
  } finally {
    pump?.stop();
    for (const c of clients) await c.close().catch(() => {});
  }
}

function row(r: PhaseResult): string {
  return [
    String(r.subscribers).padStart(4),
    String(r.rate).padStart(6),
    String(r.forwarded).padStart(9),
    r.cpuSeconds.toFixed(2).padStart(7),
    String(Math.round(perCpu(r))).padStart(12),
    (r.delivery * 100).toFixed(1).padStart(8) + '%',
    r.p50.toFixed(1).padStart(7),
    r.p99.toFixed(1).padStart(7),
    String(r.shed).padStart(7),
    (r.idleCpuPerSecond * 1000).toFixed(0).padStart(7),
  ].join(' ');
}

/** The worker's drops (and the router's) during a phase, by reason; "none" when nothing dropped. */
function dropReport(r: PhaseResult): string {
  const drops = Object.entries(r.worker).filter(([k]) => /drop|lost|fail/i.test(k));
  return drops.length === 0 ? 'none' : drops.map(([k, v]) => `${k} ${v}`).join(', ');
}

const HEADER = 'subs   pps/in  fwd pkts  SFU CPU  fwd/CPU-s   delivery  p50 ms  p99 ms   shed  idle ms/s';

const perCpu = (r: PhaseResult): number => (r.cpuSeconds > 0 ? r.forwarded / r.cpuSeconds : 0);

/** The SFU processes running, for the time-budget guard. */
const children = new Set<ChildProcess>();

/** Runs the plan against one SFU process on one media path, printing rows as they come. */
async function runPath(media: MediaPath, plan: readonly (readonly [number, number])[], only: number[] | undefined, seconds: number): Promise<PhaseResult[]> {
  const profile = process.env.SFU_BENCH_PROFILE; // a directory: CPU-profile the SFU process there
  const execArgv = profile ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profile}`] : process.execArgv;
  const child = fork(import.meta.filename, ['--serve', `--media=${media}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const [ready] = (await once(child, 'message')) as [{ port: number } | { error: string }];
  console.log(`\n${media === 'native' ? 'native media path (media worker thread, RTP never in JavaScript)' : 'WebRTC-stack media path (node-datachannel, RTP through JavaScript)'}`);
  if ('error' in ready) {
    console.log(`  not measured: ${ready.error}`);
    return [];
  }
  const url = `ws://127.0.0.1:${ready.port}/ws`;
  // A short unmeasured phase first, so the first measured one does not pay for the SFU's JIT
  // compiling its signalling and forwarding code.
  await phase(url, child, 5, 1000, 2, `bench-${media}-warmup`);
  console.log(HEADER);
  const results: PhaseResult[] = [];
  for (const [i, [n, rate]] of plan.entries()) {
    if (only && !only.includes(i)) continue;
    const r = await phase(url, child, n, rate, seconds, `bench-${media}-${i}`);
    results.push(r);
    console.log(row(r));
    if (media === 'native') console.log(`       worker drops: ${dropReport(r)}`);
    if (media === 'native' && process.env.SFU_BENCH_VERBOSE) console.log(`       worker: ${Object.entries(r.worker).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  child.send('stop');
  await once(child, 'exit');
  return results;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 2 : 6;
  const mediaArg = process.argv.find((a) => a.startsWith('--media='))?.slice(8) ?? 'both';
  if (mediaArg !== 'native' && mediaArg !== 'stack' && mediaArg !== 'both') throw new Error(`--media: expected native, stack or both, got "${mediaArg}"`);
  const paths: MediaPath[] = mediaArg === 'both' ? ['stack', 'native'] : [mediaArg];
  const deadline = setTimeout(() => {
    console.error('bench: over its time budget, stopping');
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  }, 150_000 * paths.length);
  deadline.unref();

  console.log(`SFU fan-out, loopback, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(`VP8 synthetic stream, ${PAYLOAD}-byte payloads; ${seconds} s per phase; SFU in its own process`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',').map(Number);
  const plan = [
    [1, 1000],
    [5, 1000],
    [20, 1000],
    [50, 1000],
    [50, 3000],
    [50, 6000], // past saturation: the SFU must not collapse (the stack path sheds late packets)
  ] as const;
  const byPath = new Map<MediaPath, PhaseResult[]>();
  for (const media of paths) byPath.set(media, await runPath(media, plan, only, seconds));
  const stack = byPath.get('stack');
  const native = byPath.get('native');
  if (stack && native) {
    console.log('\nnative ÷ stack, forwarded packets per CPU-second');
    console.log('subs   pps/in      stack     native   ratio');
    for (const [i, s] of stack.entries()) {
      const n = native[i];
      if (!n) continue;
      const ratio = perCpu(s) > 0 ? perCpu(n) / perCpu(s) : NaN;
      console.log(
        [String(s.subscribers).padStart(4), String(s.rate).padStart(6), String(Math.round(perCpu(s))).padStart(10), String(Math.round(perCpu(n))).padStart(10), `${ratio.toFixed(1)}×`.padStart(7)].join(' '),
      );
    }
  }
  releaseWebrtc();
  clearTimeout(deadline);
}

if (process.argv.includes('--serve')) {
  const media = process.argv.find((a) => a.startsWith('--media='))?.slice(8);
  await serve(media === 'native' ? 'native' : 'stack');
} else await main();
