/**
 * `npm run bench:metrics` (and the last part of `npm run bench`): what Prometheus metrics cost
 * Turnpike's relay. Turnpike is started with the relay bench's command line (bench/lib/servers.ts,
 * one relay thread, `-m 1`), once without metrics and once with `--prometheus` on a free
 * loopback port while this bench scrapes it every few seconds (5 s by default, stricter than
 * Prometheus's usual 15 s), under the relay bench's closed-loop load: one `turnpike uclient`
 * (`-z 0`, 32 messages in flight per client) for `--seconds`, against an echo peer. The order
 * off/on alternates from round to round so that drift of the machine cancels. For each run:
 * echoed messages per second and server CPU (utime + stime of the server's process tree) per
 * echoed message, both over the steady middle half of the load (the uclient's progress reports,
 * once a second, give what was echoed by when). Then the medians, on ÷ off, and the spread
 * between rounds of one setting, so a reader can tell a cost from noise; and, on the idle
 * server after each "on" load, the CPU one scrape takes, which with the scrape interval and
 * the message rate says what the metrics should cost per message. Both data planes by default.
 * The bench never judges: figures are for reading.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { spawnTracked } from '../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../harness/ports.ts';
import { coturnMissing, launchPeer, launchTurnServer, turnpikeCommand, type Launched } from '../harness/servers.ts';
import { loadAddon } from '../src/dataplane/native/addon.ts';
import { formatMachine, machineInfo } from './lib/machine.ts';
import { CpuSampler, treeCpuSeconds } from './lib/proc-stat.ts';
import { ServerLogWatch } from './lib/server-log.ts';
import { DEFAULT_CHOICE, serverOptions, startPeer, type DataPlaneKind, type ServerChoice, type ServerSetup } from './lib/servers.ts';
import { turnpikeUclientArgs, type UclientLoadOptions } from './lib/uclient-load.ts';
import { middleOf, receivedAt, type ProgressSample, type TimeWindow } from './lib/window.ts';
import { benchMain } from './lib/main.ts';
import { formatPlaneSummary, formatRun, summarizePlane, type RunFigures, type ScrapeRecord, type Setting, type Settings } from './lib/metrics-cost-report.ts';

const USAGE = `Usage: npm run bench:metrics -- [options]

Turnpike's server CPU per relayed message with Prometheus metrics off and on (scraped), under
the relay bench's closed-loop load (one turnpike uclient), in alternating rounds.

Options:
  --planes LIST          data planes to measure: native,js (default both)
  --rounds N             rounds; each runs off and on, alternating which goes first (default 3)
  --seconds S            load per run, in whole seconds (default 10)
  --scrape-interval S    seconds between scrapes of /metrics while on (default 5; Prometheus's
                         usual is 15)
  --clients N            clients (allocations) of the turnpike uclient (default 50)
  --length BYTES         payload of each message (default 170)
  --json                 also print the figures as one JSON line
  -h, --help             this text`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} '${text}': expected a positive number`);
  return n;
}

function planes(text: string | undefined): DataPlaneKind[] {
  if (text === undefined) return ['native', 'js'];
  const out = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of out) if (p !== 'native' && p !== 'js') throw new Error(`--planes '${text}': expected native, js or native,js`);
  if (out.length === 0) throw new Error(`--planes '${text}': expected native, js or native,js`);
  return [...new Set(out)] as DataPlaneKind[];
}

function readSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      planes: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' }, 'scrape-interval': { type: 'string' },
      clients: { type: 'string' }, length: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    planes: planes(values.planes),
    planesGiven: values.planes !== undefined,
    rounds: Math.round(positive('rounds', values.rounds, 3)),
    seconds: Math.max(1, Math.round(positive('seconds', values.seconds, 10))),
    scrapeInterval: positive('scrape-interval', values['scrape-interval'], 5),
    clients: Math.round(positive('clients', values.clients, 50)),
    length: Math.round(positive('length', values.length, 170)),
    json: values.json,
  };
}

/** As the relay bench sizes `-n` (ignored by `turnpike uclient --duration`, kept so the command line is the same). */
function messagesPerClient(seconds: number, clients: number): number {
  return Math.max(10, Math.ceil(seconds * Math.min(900, 20_000 / clients)));
}

function prometheusArgs(port: number): string[] {
  return ['--prometheus', '--prometheus-address=127.0.0.1', `--prometheus-port=${port}`];
}

/** The relay bench's closed-loop command line, with `-v` so that it reports its progress (on stderr) once a second. */
function closedLoopArgs(o: UclientLoadOptions): string[] {
  const args = turnpikeUclientArgs(o);
  return [...args.slice(0, -1), '-v', args[args.length - 1]];
}

const PROGRESS = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/;
const SENDING = /clients ready in [\d.]+ s; sending/;

interface ClosedLoopResult {
  sent: number;
  received: number;
  window: TimeWindow | undefined;
  samples: ProgressSample[];
  exit: number | string;
  tail: string;
}

/** Runs one `turnpike uclient` closed loop to its end, with its progress reports. */
async function runClosedLoop(o: UclientLoadOptions): Promise<ClosedLoopResult> {
  const samples: ProgressSample[] = [];
  let summary: { sentMessages?: number; receivedMessages?: number; transmitSeconds?: number } = {};
  let startedAt: number | undefined;
  let endedAt = 0;
  const onLine = (line: string): void => {
    const now = performance.now();
    if (SENDING.test(line)) startedAt = now;
    const m = PROGRESS.exec(line);
    if (m !== null) samples.push({ at: now, sent: Number(m[1]), received: Number(m[2]) });
    if (!line.startsWith('{')) return;
    endedAt = now;
    try {
      summary = JSON.parse(line) as typeof summary;
    } catch {
      // reported as nothing sent
    }
  };
  const child = spawnTracked(turnpikeCommand(closedLoopArgs(o)), { onLine });
  const timer = setTimeout(() => void child.stop(1000), o.timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  const sent = summary.sentMessages ?? 0;
  const received = summary.receivedMessages ?? 0;
  const seconds = summary.transmitSeconds ?? 0;
  let window: TimeWindow | undefined;
  if (sent > 0 && seconds > 0) {
    const start = startedAt ?? endedAt - seconds * 1000;
    window = { start, end: start + seconds * 1000 };
  }
  return { sent, received, window, samples, exit, tail: child.output().split('\n').slice(-6).join('\n') };
}

/** Echoed messages within `w`, from the progress reports (0 at the start of the load, the total at its end). */
function receivedWithin(r: ClosedLoopResult, load: TimeWindow, w: TimeWindow): number {
  const samples = [{ at: load.start, sent: 0, received: 0 }, ...r.samples.filter((s) => s.at > load.start && s.at < load.end), { at: load.end, sent: r.sent, received: r.received }];
  return receivedAt(samples, w.end, r.received) - receivedAt(samples, w.start, r.received);
}

/** GETs /metrics once (keep-alive, as Prometheus does). */
function scrapeOnce(agent: http.Agent, port: number): Promise<ScrapeRecord> {
  const at = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ at, ms: performance.now() - at, bytes, status: res.statusCode ?? 'none' }));
      res.on('error', (err) => resolve({ at, ms: performance.now() - at, bytes, status: err.message }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ at, ms: performance.now() - at, bytes: 0, status: err.message }));
  });
}

/** Scrapes every `intervalMs` (the next one `intervalMs` after the previous one was sent) until stopped. */
function startScraper(port: number, intervalMs: number): { agent: http.Agent; stop(): Promise<ScrapeRecord[]> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const records: ScrapeRecord[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = (): void => {
    if (stopped) return;
    timer = setTimeout(tick, intervalMs);
    inFlight = scrapeOnce(agent, port).then((r) => void records.push(r));
  };
  tick();
  return {
    agent,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      return records;
    },
  };
}

const IDLE_SCRAPES = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Server CPU of one scrape of the idle server: `IDLE_SCRAPES` back to back, less what it spends idle over as long. */
async function idleScrapeCost(pid: number, agent: http.Agent, port: number): Promise<{ cpuUs: number; bytes: number }> {
  await sleep(300);
  let t0 = performance.now();
  let c0 = treeCpuSeconds(pid);
  await sleep(1000);
  const idleRate = (treeCpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  c0 = treeCpuSeconds(pid);
  let bytes = 0;
  for (let i = 0; i < IDLE_SCRAPES; i++) bytes = (await scrapeOnce(agent, port)).bytes;
  // Let the kernel account the last one.
  await sleep(50);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = treeCpuSeconds(pid) - c0 - idleRate * seconds;
  return { cpuUs: (Math.max(0, cpu) * 1e6) / IDLE_SCRAPES, bytes };
}

interface RunPlan {
  plane: DataPlaneKind;
  setting: Setting;
  round: number;
  setup: ServerSetup;
  peerPort: number;
  s: Settings;
}

function choiceOf(plane: DataPlaneKind): ServerChoice {
  return { ...DEFAULT_CHOICE, dataPlane: plane, relayThreads: 1 };
}

function loadOptions(p: RunPlan): UclientLoadOptions {
  return {
    serverPort: p.setup.port, peerPort: p.peerPort, user: p.setup.user, password: p.setup.password,
    uclients: 1, clients: p.s.clients, messagesPerClient: messagesPerClient(p.s.seconds, p.s.clients), length: p.s.length,
    timeoutMs: p.s.seconds * 4000 + 30_000, turnpikeSeconds: p.s.seconds,
  };
}

/** One run: a fresh server, the closed loop (scraped when on), the idle scrape cost (when on), stop. */
async function measureRun(p: RunPlan): Promise<RunFigures> {
  const metricsPort = p.setting === 'on' ? await freeTcpPort() : undefined;
  const pidFile = `/tmp/turnpike-bench-metrics-${p.setup.port}.pid`;
  const options = [...serverOptions('turnpike', p.setup, pidFile, choiceOf(p.plane)), ...(metricsPort === undefined ? [] : prometheusArgs(metricsPort))];
  const log = new ServerLogWatch();
  const server = await launchTurnServer('turnpike', options, { port: p.setup.port, pidFile, onLine: log.onLine });
  log.serving();
  const sampler = new CpuSampler(server.pid, 100);
  const scraper = metricsPort === undefined ? undefined : startScraper(metricsPort, p.s.scrapeInterval * 1000);
  let figures: RunFigures;
  try {
    const load = await runClosedLoop(loadOptions(p));
    const scrapes = (await scraper?.stop()) ?? [];
    sampler.stop();
    const problems: string[] = [];
    if (load.exit !== 0 || load.sent === 0) problems.push(`turnpike uclient exit ${load.exit}: ${load.tail.trim()}`);
    for (const r of scrapes) if (r.status !== 200) problems.push(`scrape answered ${r.status}`);
    const base = { plane: p.plane, setting: p.setting, round: p.round, sent: load.sent, received: load.received, loss: load.sent > 0 ? (load.sent - load.received) / load.sent : 1, scrapes, problems };
    if (load.window === undefined) {
      figures = { ...base, messagesPerSecond: 0, cpuUsPerMessage: NaN, cpuShare: NaN, scrapesInWindow: 0 };
    } else {
      const steady = middleOf(load.window);
      const n = receivedWithin(load, load.window, steady);
      const seconds = (steady.end - steady.start) / 1000;
      const cpu = sampler.cpuBetween(steady.start, steady.end);
      figures = {
        ...base,
        messagesPerSecond: n / seconds,
        cpuUsPerMessage: n > 0 ? (cpu * 1e6) / n : NaN,
        cpuShare: cpu / seconds,
        scrapesInWindow: scrapes.filter((r) => r.at >= steady.start && r.at < steady.end).length,
      };
    }
    if (scraper !== undefined && metricsPort !== undefined) {
      const idle = await idleScrapeCost(server.pid, scraper.agent, metricsPort);
      figures.idleScrapeCpuUs = idle.cpuUs;
      figures.idleScrapeBytes = idle.bytes;
    }
    scraper?.agent.destroy();
  } finally {
    sampler.stop();
    scraper?.agent.destroy();
    await server.stop();
  }
  figures.dataPlaneLogged = log.dataPlane;
  for (const note of log.notes()) figures.problems.push(`server logged: ${note}`);
  return figures;
}

function printCommands(s: Settings, setup: ServerSetup, peerPort: number, peerProgram: string): void {
  const shown: ServerSetup = { ...setup, port: 3478 };
  for (const plane of s.planes) {
    const base = serverOptions('turnpike', shown, '/tmp/turnpike-bench-metrics.pid', choiceOf(plane)).join(' ');
    console.log(`off, ${plane.padEnd(6)}: node bin/turnpike.js turnserver ${base}`);
    console.log(`on,  ${plane.padEnd(6)}: node bin/turnpike.js turnserver ${base} ${prometheusArgs(9641).join(' ')}`);
  }
  console.log(`scrape:      GET http://127.0.0.1:<prometheus-port>/metrics every ${s.scrapeInterval} s (keep-alive) while on, from the server's start to the end of the load`);
  console.log(`peer:        ${peerProgram} -p ${peerPort} -L 127.0.0.1`);
  const o = loadOptions({ plane: 'js', setting: 'off', round: 1, setup: shown, peerPort, s });
  console.log(`closed:      node bin/turnpike.js ${closedLoopArgs(o).join(' ')}  (closed loop, 32 messages in flight per client; -v for its once-a-second progress)`);
  console.log('(listening, relay and prometheus ports are chosen free per run; the rest is exactly as shown)');
}

async function run(s: Settings): Promise<number> {
  console.log('Turnpike: the cost of Prometheus metrics to the TURN relay (UDP, loopback)');
  console.log(`machine: ${formatMachine(machineInfo())}`);
  const env = process.env.TURNPIKE_DATA_PLANE;
  if (env !== undefined) {
    delete process.env.TURNPIKE_DATA_PLANE;
    console.log(`(TURNPIKE_DATA_PLANE=${env} in the environment is ignored: each plane is asked for with --data-plane)`);
  }
  if (s.planes.includes('native')) {
    const addon = loadAddon();
    if (!addon.ok) {
      if (s.planesGiven) throw new Error(`--planes native: ${addon.reason}`);
      console.log(`native data plane skipped: ${addon.reason}`);
      s.planes = s.planes.filter((p) => p !== 'native');
    }
  }
  const range = await freeRange(s.clients * 2 + 100);
  const peerPort = await freeUdpTcpPort();
  const setup: ServerSetup = { port: 0, minPort: range.min, maxPort: range.max, realm: 'bench.turnpike', user: 'bench', password: 'bench-password' };
  const coturnPeer = coturnMissing('peer') === false;
  let peer: Launched | undefined;
  const runs: RunFigures[] = [];
  try {
    peer = coturnPeer ? await startPeer(peerPort) : await launchPeer('turnpike', peerPort);
    printCommands(s, setup, peerPort, coturnPeer ? 'turnutils_peer' : 'node bin/turnpike.js peer');
    for (let round = 1; round <= s.rounds; round++) {
      for (const plane of s.planes) {
        const order: Setting[] = round % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
        for (const setting of order) {
          const f = await measureRun({ plane, setting, round, setup: { ...setup, port: await freeUdpTcpPort() }, peerPort, s });
          runs.push(f);
          console.log(formatRun(f, s));
          for (const p of f.problems) console.log(`  ${p}`);
        }
      }
    }
  } finally {
    await peer?.stop();
  }
  console.log('');
  const summaries = s.planes.map((plane) => summarizePlane(plane, runs, s));
  for (const p of summaries) {
    const logged = [...new Set(runs.filter((r) => r.plane === p.plane).map((r) => r.dataPlaneLogged ?? 'not logged'))].join('; ');
    console.log(formatPlaneSummary(p, s, logged));
    console.log('');
  }
  console.log('(rate and CPU (utime+stime of the server process tree) are over the steady middle half of each load; each echoed message is 2 datagrams in and 2 out at the server;');
  console.log(' spread = (max − min) ÷ median of the rounds of one setting: a difference on ÷ off well inside it is noise)');
  if (s.json) console.log(JSON.stringify({ settings: s, runs: runs.map(({ scrapes, ...r }) => ({ ...r, scrapeMs: scrapes.map((x) => x.ms) })), summaries }));
  return runs.some((r) => r.received === 0) ? 1 : 0;
}

await benchMain(readSettings, run, USAGE);
