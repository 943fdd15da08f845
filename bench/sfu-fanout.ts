/**
 * SFU fan-out bench: one publisher, N = 1, 5, 20, 50 subscribers, then ten and fifty rooms of
 * one publisher and one subscriber each, all node-datachannel clients on loopback, the SFU in its
 * own process. A synthetic VP8 stream (1000-byte packets, a keyframe
 * every 100) is sent at a fixed rate; each phase reports forwarded packets per CPU-second of the
 * SFU process, delivery ratio (received / (sent × N)) and the added one-way latency (publisher
 * send → subscriber receive, both in this process, so one clock); on the native path also the
 * latency the SFU itself adds ("in SFU": each packet's kernel receive time to the end of the
 * send that forwards it, from the media worker's residence histogram), which the load
 * generator's own scheduling on a shared machine does not blur. Delivery and latency are
 * measured at up to five "probe" subscribers that hand every packet to JavaScript; the others
 * receive and decrypt in the WebRTC stack only, which keeps the load generator (sharing the
 * machine) light enough not to distort the SFU's figures. NACK buffering and RTCP (RR,
 * SR, REMB, PLI) are on, as in production. A last phase pushes past saturation to show the SFU
 * sheds late packets instead of collapsing. A short unmeasured phase warms the SFU up first.
 * Each phase ends with a second of rest (the room set up, no media) whose CPU cost is reported
 * as "idle ms/s". Last, the SFU's CPU per forwarded packet of the small rooms is set against the
 * 50-subscriber room's, and, as many packets out at fan-out 1, fifty rooms of one subscriber
 * against it. Runs about three minutes per media path and stops by itself.
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
 *
 * SFU_BENCH_VERBOSE=1 prints each SFU thread's CPU time and run count per phase (from
 * /proc/self/task/<tid>/schedstat); SFU_BENCH_WINDOWS=<dir> writes a V8 CPU profile (50 µs
 * sampling) of each measured window, media then rest, as window-<n>.cpuprofile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { createWebServer } from '../src/http/server.ts';
import { defaultSfuConfig, withOverrides } from '../src/sfu/config.ts';
import type { SfuConfig } from '../src/sfu/config-types.ts';
import { attachSfu, shutdownWebrtc } from '../src/sfu/index.ts';
import { NativeMedia, nativeMediaOptions } from '../src/sfu/native/native-media.ts';
import { silentLog } from '../src/sfu/types/log.ts';
import { releaseWebrtc } from '../harness/ndc-client.ts';
import { wakeCostUs } from './lib/machine.ts';
import { PAYLOAD, phase, type PhaseResult, type PhaseShape } from './lib/sfu-phase.ts';

// ---- the SFU side (child process) -------------------------------------------------------

/**
 * Each thread's time on a CPU (µs) and how many times it was put on one (its wake-ups, nearly),
 * by thread name, from /proc/self/task/<tid>/schedstat (Linux only; empty elsewhere).
 */
function threadTicks(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const [runNs, , runs] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      out[`${name} µs`] = (out[`${name} µs`] ?? 0) + Math.round(runNs / 1000);
      out[`${name} runs`] = (out[`${name} runs`] ?? 0) + runs;
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
  const windows = process.env.SFU_BENCH_WINDOWS; // a directory: CPU-profile each measured window there
  let session: InspectorSession | undefined;
  let asks = 0;
  process.on('message', async (m: string) => {
    if (m === 'stats' && windows) {
      // Asks come in pairs (a phase's media, then its rest): the first of each starts the
      // profiler, the second writes what it saw.
      if (asks++ % 2 === 0) {
        session = new InspectorSession();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 50 });
        await session.post('Profiler.start');
      } else if (session) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(`${windows}/window-${asks / 2}.cpuprofile`, JSON.stringify(profile));
        session.disconnect();
      }
    }
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

// ---- the report (this process) ---------------------------------------------------------

/** "50", or "10×1" for ten rooms of one subscriber. */
const subsOf = (r: PhaseShape): string => (r.rooms === 1 ? String(r.subs) : `${r.rooms}×${r.subs}`);

function row(r: PhaseResult): string {
  return [
    subsOf(r).padStart(5),
    String(r.rate).padStart(6),
    String(r.forwarded).padStart(9),
    r.cpuSeconds.toFixed(2).padStart(7),
    String(Math.round(perCpu(r))).padStart(12),
    (r.delivery * 100).toFixed(1).padStart(8) + '%',
    r.p50.toFixed(1).padStart(7),
    r.p99.toFixed(1).padStart(7),
    (r.sfuP50 === undefined || r.sfuP99 === undefined ? '-' : `${r.sfuP50.toFixed(2)}/${r.sfuP99.toFixed(2)}`).padStart(12),
    String(r.shed).padStart(7),
    (r.idleCpuPerSecond * 1000).toFixed(0).padStart(7),
  ].join(' ');
}

/** The worker's drops (and the router's) during a phase, by reason; "none" when nothing dropped. */
function dropReport(r: PhaseResult): string {
  const drops = Object.entries(r.worker).filter(([k]) => /drop|lost|fail/i.test(k));
  return drops.length === 0 ? 'none' : drops.map(([k, v]) => `${k} ${v}`).join(', ');
}

const HEADER = ' subs   pps/in  fwd pkts  SFU CPU  fwd/CPU-s   delivery  p50 ms  p99 ms  in SFU p50/p99   shed  idle ms/s';

const perCpu = (r: PhaseResult): number => (r.cpuSeconds > 0 ? r.forwarded / r.cpuSeconds : 0);

/** The SFU's CPU per forwarded packet of small rooms against the 50-subscriber room, at 1,000 pps. */
function perPacketReport(media: MediaPath, results: readonly PhaseResult[], wakeUs: number): void {
  const us = (r: PhaseResult | undefined) => (r && r.forwarded > 0 ? (r.cpuSeconds * 1e6) / r.forwarded : undefined);
  const at = (rooms: number, subs: number) => results.find((r) => r.rooms === rooms && r.subs === subs && r.rate === 1000);
  const fifty = us(at(1, 50));
  if (fifty === undefined) return;
  const line = (what: string, r: PhaseResult | undefined) => {
    const v = us(r);
    if (v !== undefined) console.log(`  ${what.padEnd(28)} ${v.toFixed(1).padStart(6)} µs  ${(v / fifty).toFixed(1).padStart(5)}× the 50-subscriber room's`);
  };
  console.log(`\n${media}: SFU CPU per forwarded packet at 1,000 pps in; 50 subscribers: ${fifty.toFixed(1)} µs`);
  line('1 room, 1 subscriber', at(1, 1));
  const one = at(1, 1);
  const v = us(one);
  if (one && v !== undefined && media === 'native') {
    // Not polling, the worker wakes once per batch it reads, and once per quiet tick.
    const wakes = (one.worker.recvBatches ?? 0) + (one.worker.ticks ?? 0);
    const share = (wakes * wakeUs) / one.forwarded;
    console.log(`  ${''.padEnd(28)} of which ≈ ${share.toFixed(1)} µs waking the worker (${wakes} wake-ups at ${wakeUs.toFixed(0)} µs each)`);
  }
  line('10 rooms of 1 subscriber', at(10, 1));
  line('50 rooms of 1 subscriber', at(50, 1));
}

/** The SFU processes running, for the time-budget guard. */
const children = new Set<ChildProcess>();

/** Runs the plan against one SFU process on one media path, printing rows as they come. */
async function runPath(media: MediaPath, plan: readonly PhaseShape[], only: number[] | undefined, seconds: number): Promise<PhaseResult[]> {
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
  await phase(url, child, { rooms: 1, subs: 5, rate: 1000 }, 2, `bench-${media}-warmup`);
  console.log(HEADER);
  const results: PhaseResult[] = [];
  for (const [i, shape] of plan.entries()) {
    if (only && !only.includes(i)) continue;
    const r = await phase(url, child, shape, seconds, `bench-${media}-${i}`);
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
  }, 300_000 * paths.length);
  deadline.unref();

  console.log(`SFU fan-out, loopback, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  console.log(`VP8 synthetic stream, ${PAYLOAD}-byte payloads; ${seconds} s per phase; SFU in its own process`);
  const wakeUs = wakeCostUs();
  console.log(`a thread's sleep and wake-up costs ${wakeUs.toFixed(1)} µs of CPU on this machine (1 ms sleeps; a few µs on bare metal)`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',').map(Number);
  const plan: PhaseShape[] = [
    { rooms: 1, subs: 1, rate: 1000 },
    { rooms: 1, subs: 5, rate: 1000 },
    { rooms: 1, subs: 20, rate: 1000 },
    { rooms: 1, subs: 50, rate: 1000 },
    { rooms: 1, subs: 50, rate: 3000 },
    // past saturation: the SFU must not collapse (the stack path sheds late packets)
    { rooms: 1, subs: 50, rate: 6000 },
    // small rooms, many of them: one publisher and one subscriber each
    { rooms: 10, subs: 1, rate: 1000 },
    // as many packets out as the 50-subscriber room, all at fan-out 1: fifty one-to-one calls
    { rooms: 50, subs: 1, rate: 1000 },
  ];
  const byPath = new Map<MediaPath, PhaseResult[]>();
  for (const media of paths) byPath.set(media, await runPath(media, plan, only, seconds));
  const stack = byPath.get('stack');
  const native = byPath.get('native');
  if (stack && native) {
    console.log('\nnative ÷ stack, forwarded packets per CPU-second');
    console.log(' subs   pps/in      stack     native   ratio');
    for (const [i, s] of stack.entries()) {
      const n = native[i];
      if (!n) continue;
      const ratio = perCpu(s) > 0 ? perCpu(n) / perCpu(s) : NaN;
      console.log(
        [subsOf(s).padStart(5), String(s.rate).padStart(6), String(Math.round(perCpu(s))).padStart(10), String(Math.round(perCpu(n))).padStart(10), `${ratio.toFixed(1)}×`.padStart(7)].join(' '),
      );
    }
  }
  for (const [media, results] of byPath) perPacketReport(media, results, wakeUs);
  releaseWebrtc();
  clearTimeout(deadline);
}

if (process.argv.includes('--serve')) {
  const media = process.argv.find((a) => a.startsWith('--media='))?.slice(8);
  await serve(media === 'native' ? 'native' : 'stack');
} else await main();
