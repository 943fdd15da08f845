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
 * sheds late packets instead of collapsing. Runs about a minute and stops by itself.
 *
 *   node bench/sfu-fanout.ts            full run
 *   node bench/sfu-fanout.ts --quick    shorter phases (smoke test)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { defaultSfuConfig, withOverrides } from '../src/sfu/config.ts';
import { startSfuServer } from '../src/sfu/http-server.ts';
import { shutdownWebrtc } from '../src/sfu/index.ts';
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

async function serve(): Promise<void> {
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1' } });
  const server = await startSfuServer({ config, host: '127.0.0.1', port: 0, demo: false });
  process.on('message', async (m: string) => {
    if (m === 'stats') process.send?.({ stats: server.sfu.stats(), cpu: process.cpuUsage(), threads: threadTicks() });
    if (m === 'stop') {
      await server.close();
      shutdownWebrtc();
      process.exit(0);
    }
  });
  // The bench parent gone (even killed): stop too.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port: server.port });
}

// ---- the clients (this process) ---------------------------------------------------------

interface Sample {
  stats: SfuStats;
  cpu: NodeJS.CpuUsage;
  threads: Record<string, number>;
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

function threadReport(before: Sample, after: Sample): string {
  const threads = Object.entries(after.threads)
    .map(([k, v]) => [k, v - (before.threads[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
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
    };
  } finally {
    pump?.stop();
    for (const c of clients) await c.close().catch(() => {});
  }
}

function row(r: PhaseResult): string {
  const perCpu = r.cpuSeconds > 0 ? Math.round(r.forwarded / r.cpuSeconds) : 0;
  return [
    String(r.subscribers).padStart(4),
    String(r.rate).padStart(6),
    String(r.forwarded).padStart(9),
    r.cpuSeconds.toFixed(2).padStart(7),
    String(perCpu).padStart(12),
    (r.delivery * 100).toFixed(1).padStart(8) + '%',
    r.p50.toFixed(1).padStart(7),
    r.p99.toFixed(1).padStart(7),
    String(r.shed).padStart(7),
  ].join(' ');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 2 : 6;
  const profile = process.env.SFU_BENCH_PROFILE; // a directory: CPU-profile the SFU process there
  const execArgv = profile ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profile}`] : process.execArgv;
  const child = fork(import.meta.filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  const url = `ws://127.0.0.1:${ready.port}/ws`;
  const deadline = setTimeout(() => {
    console.error('bench: over its time budget, stopping');
    child.kill('SIGKILL');
    process.exit(1);
  }, 150_000);
  deadline.unref();

  console.log(`SFU fan-out, loopback, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(`VP8 synthetic stream, ${PAYLOAD}-byte payloads; ${seconds} s per phase; SFU in its own process`);
  console.log('subs   pps/in  fwd pkts  SFU CPU  fwd/CPU-s   delivery  p50 ms  p99 ms   shed');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',').map(Number);
  const plan: [number, number][] = [
    [1, 1000],
    [5, 1000],
    [20, 1000],
    [50, 1000],
    [50, 3000],
    [50, 6000], // past saturation (one core of forwarding): the SFU must shed, not collapse
  ];
  const results: PhaseResult[] = [];
  for (const [i, [n, rate]] of plan.entries()) {
    if (only && !only.includes(i)) continue;
    const r = await phase(url, child, n, rate, seconds, `bench-${i}`);
    results.push(r);
    console.log(row(r));
  }
  child.send('stop');
  await once(child, 'exit');
  releaseWebrtc();
  clearTimeout(deadline);
}

if (process.argv.includes('--serve')) await serve();
else await main();
