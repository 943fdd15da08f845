/**
 * `npm run bench`: Turnpike's TURN relay against coturn on the same machine, same load.
 *
 * Both servers get the same coturn command line on loopback, both with ONE relay thread
 * (`-m 1`) unless told otherwise, and are measured in alternating A/B rounds so that drift of
 * the machine cancels:
 * echoed messages per second, loss and server CPU per relayed message under several unpaced
 * turnutils_uclient processes against a turnutils_peer, and the same under the closed-loop
 * load of `turnpike uclient` when this tree has one; full allocation set-ups per second
 * (401 → Allocate → CreatePermission → ChannelBind, many in flight) with server CPU per set-up;
 * and resident memory per 1,000 live allocations. Then the ratios Turnpike/coturn.
 *
 * Options: see USAGE below. The coturn compared against is Debian's unless `--coturn PATH`
 * names another `turnserver` (its version is read from that binary, and the shared command line
 * is worded as that release wants it); the load generators are always Debian's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freeRange, freeUdpTcpPort } from '../harness/ports.ts';
import { COTURN, type Launched, type ServerKind } from '../harness/servers.ts';
import { probeCoturn, type CoturnBinary } from './lib/coturn-binary.ts';
import { formatMachine, machineInfo, type MachineInfo } from './lib/machine.ts';
import { measureServer, type MeasurePlan, type ServerFigures } from './lib/measure.ts';
import { formatControlLine, formatRoundLine, formatSummary, formatThreadsLine, formatWindowedLine, summarize } from './lib/report.ts';
import { coturnInstalled, serverOptions, startPeer, type DataPlaneKind, type ServerChoice, type ServerSetup } from './lib/servers.ts';
import { turnpikeUclientArgs, turnpikeUclientAvailable, uclientArgs } from './lib/uclient-load.ts';
import { benchMain } from './lib/main.ts';

const USAGE = `Usage: npm run bench -- [options]

Turnpike vs coturn on loopback under the same TURN load, both with the same relay threads.

Options:
  --coturn PATH     the coturn turnserver to compare against (default ${COTURN.turnserver});
                    its version is read from it, and its command line is worded as its
                    --help asks (differences printed). The load generators stay Debian's.
  --data-plane native|js
                    Turnpike's data plane (--data-plane=…); default: Turnpike's own (auto)
  --relay-threads N relay threads of both servers, coturn's -m N (default 1; 0 = one per CPU)
  --server-cpus LIST
                    run both servers under taskset -c LIST (e.g. 1)
  --load-cpus LIST  pin this bench and everything it starts but the servers (load generators,
                    echo peer, allocation client) to LIST (e.g. 0), with taskset. Relay
                    threads compared on 2 cores: --relay-threads 2 --server-cpus 1
                    --load-cpus 0 --threads. Pinned, every datagram wakes a thread on the
                    other core, so CPU per message is higher than unpinned: compare pinned
                    runs with pinned runs only
  --threads         also print each server thread's share of a core during each load (threads
                    under 1% left out; "main" is the main thread, and a thread that never named
                    itself shows its creator's name)
  --rounds N        A/B rounds, alternating which server goes first (default 3)
  --seconds S       relay load per server per round, in seconds (default 10)
  --uclients N      parallel unpaced turnutils_uclient processes (default 2)
  --clients N       clients (allocations) per uclient (default 50)
  --turnpike-uclients N
                    parallel "turnpike uclient" processes of a second, closed-loop load
                    (default 1 when this tree has one; 0 for none)
  --length BYTES    payload of each message (default 170)
  --allocations N   allocations set up and held for the set-up rate and memory (default 2000)
  --concurrency N   allocation set-ups in flight (default 200)
  --tiny            a tiny load that finishes in seconds (1 round, 1 uclient × 2 clients)
  --json            also print the figures as one JSON line
  --profile DIR     run Turnpike under node --cpu-prof (profiles in DIR) and print its top
                    self-time functions during each load window
  -h, --help        this text`;

/** The bench's settings after options. */
interface Settings {
  coturnPath: string;
  dataPlane: DataPlaneKind | undefined;
  relayThreads: number;
  serverCpus: string | undefined;
  loadCpus: string | undefined;
  threads: boolean;
  rounds: number;
  seconds: number;
  uclients: number;
  clients: number;
  length: number;
  allocations: number;
  concurrency: number;
  json: boolean;
  profileDir: string | undefined;
  turnpikeUclients: number;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} '${text}': expected a positive number`);
  return n;
}

/** A CPU list as taskset -c takes it: `1`, `0,2`, `2-3`. */
function cpuList(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw new Error(`--${name} '${text}': expected a CPU list such as 1, 0,2 or 2-3`);
  return text;
}

function dataPlane(text: string | undefined): DataPlaneKind | undefined {
  if (text === undefined || text === 'native' || text === 'js') return text;
  throw new Error(`--data-plane '${text}': expected native or js`);
}

function relayThreads(text: string | undefined): number {
  const n = Number(text ?? 1);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`--relay-threads '${text}': expected a whole number from 0 to 64`);
  return n;
}

function readSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' }, seconds: { type: 'string' }, uclients: { type: 'string' }, clients: { type: 'string' },
      length: { type: 'string' }, allocations: { type: 'string' }, concurrency: { type: 'string' },
      profile: { type: 'string' }, 'turnpike-uclients': { type: 'string' },
      coturn: { type: 'string' }, 'data-plane': { type: 'string' }, 'relay-threads': { type: 'string' },
      'server-cpus': { type: 'string' }, 'load-cpus': { type: 'string' }, threads: { type: 'boolean', default: false }, tiny: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const tiny = values.tiny;
  return {
    coturnPath: values.coturn === undefined ? COTURN.turnserver : path.resolve(values.coturn),
    dataPlane: dataPlane(values['data-plane']),
    relayThreads: relayThreads(values['relay-threads']),
    serverCpus: cpuList('server-cpus', values['server-cpus']),
    loadCpus: cpuList('load-cpus', values['load-cpus']),
    threads: values.threads,
    rounds: Math.round(positive('rounds', values.rounds, tiny ? 1 : 3)),
    seconds: positive('seconds', values.seconds, tiny ? 0.5 : 10),
    uclients: Math.round(positive('uclients', values.uclients, tiny ? 1 : 2)),
    clients: Math.round(positive('clients', values.clients, tiny ? 2 : 50)),
    length: Math.round(positive('length', values.length, 170)),
    allocations: Math.round(positive('allocations', values.allocations, tiny ? 100 : 2000)),
    concurrency: Math.round(positive('concurrency', values.concurrency, tiny ? 20 : 200)),
    json: values.json,
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    turnpikeUclients: values['turnpike-uclients'] === undefined ? -1 : Math.round(Number(values['turnpike-uclients'])),
  };
}

/**
 * Messages per client for a load of about `seconds`: an unpaced turnutils_uclient client sends
 * one message per tick of its 1 ms timer, and one uclient process tops out near 20k messages/s
 * here, whatever the server. The same count for both servers in every round keeps A and B alike.
 */
function messagesPerClient(seconds: number, clients: number): number {
  return Math.max(10, Math.ceil(seconds * Math.min(900, 20_000 / clients)));
}

function printCommands(s: Settings, choice: ServerChoice, setup: ServerSetup, peerPort: number, messagesPerClient: number): void {
  const pin = choice.serverCpus === undefined ? '' : `taskset -c ${choice.serverCpus} `;
  const options = (kind: ServerKind): string => serverOptions(kind, setup, '/tmp/turnpike-bench.pid', choice).join(' ');
  console.log(`coturn:   ${pin}${choice.coturn.path} ${options('coturn')}`);
  console.log(`turnpike: ${pin}node bin/turnpike.js turnserver ${options('turnpike')}`);
  for (const a of choice.coturn.adaptations) console.log(`          (coturn ${a.action === 'omit' ? 'without' : 'with'} ${a.option}: ${a.why})`);
  console.log(`peer:     turnutils_peer -p ${peerPort} -L 127.0.0.1`);
  const o = { serverPort: setup.port, peerPort, user: setup.user, password: setup.password, uclients: s.uclients, clients: s.clients, messagesPerClient, length: s.length, timeoutMs: 0, turnpikeSeconds: s.seconds };
  console.log(`set-ups:  ${s.allocations} allocations, ${s.concurrency} in flight, each 401 → Allocate → CreatePermission → ChannelBind, held, then Refresh 0`);
  if (s.turnpikeUclients > 0) console.log(`closed:   ${s.turnpikeUclients} × node bin/turnpike.js ${turnpikeUclientArgs(o).join(' ')}  (closed loop, 32 messages in flight per client)`);
  console.log(`load:     ${s.uclients} × turnutils_uclient ${uclientArgs(o).join(' ')}  (unpaced; -n sized for ~${s.seconds} s per server)`);
  console.log('(listening and relay ports are chosen free per run; the rest is exactly as shown)');
  if (s.profileDir !== undefined) console.log(`profiling: Turnpike runs under node --cpu-prof --cpu-prof-dir=${s.profileDir}, which slows it: compare figures from runs without --profile`);
}

function problems(f: ServerFigures): string[] {
  const out = f.uclientProblems.map((p) => `  ${f.kind}: ${p}`);
  if (f.allocationsFailed > 0) out.push(`  ${f.kind}: ${f.allocationsFailed} allocation set-ups failed (${f.allocationError})`);
  for (const note of f.serverLog ?? []) out.push(`  ${f.kind} logged: ${note}`);
  return out;
}

/**
 * TURNPIKE_DATA_PLANE overrides Turnpike's --data-plane, so with --data-plane it is taken out
 * of the environment the servers inherit: the option asked for is the plane measured.
 */
function settleDataPlaneEnv(s: Settings): string {
  const env = process.env.TURNPIKE_DATA_PLANE;
  if (s.dataPlane !== undefined) {
    if (env !== undefined) delete process.env.TURNPIKE_DATA_PLANE;
    return `--data-plane=${s.dataPlane}${env === undefined ? '' : ` (TURNPIKE_DATA_PLANE=${env} in the environment is ignored)`}`;
  }
  return env === undefined ? "Turnpike's default (auto: native when built)" : `TURNPIKE_DATA_PLANE=${env} from the environment`;
}

/** Pins this process, every thread of it, to `cpus`; what it starts from now on inherits that. */
function pinSelf(cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

function printHeader(s: Settings, machine: MachineInfo, coturn: CoturnBinary, dataPlaneNote: string): void {
  console.log('Turnpike vs coturn: TURN relay over UDP on loopback');
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`coturn binary: ${coturn.path} (${coturn.version})`);
  console.log(`turnpike data plane: ${dataPlaneNote}`);
  console.log(`relay threads: -m ${s.relayThreads} for both servers${s.relayThreads === 0 ? ' (one per CPU)' : ''}`);
  if (s.serverCpus !== undefined || s.loadCpus !== undefined) {
    const servers = s.serverCpus === undefined ? 'unpinned' : `taskset -c ${s.serverCpus}`;
    const load = s.loadCpus === undefined ? 'unpinned' : `taskset -c ${s.loadCpus}`;
    console.log(`CPUs: servers ${servers}; this bench, its load generators, echo peer and allocation client ${load}`);
  }
}

async function run(s: Settings): Promise<number> {
  if (!coturnInstalled(s.coturnPath)) {
    console.log('coturn (turnserver, turnutils_uclient, turnutils_peer) is not installed: nothing to compare against.');
    return 2;
  }
  const coturn = probeCoturn(s.coturnPath);
  // Read before this process is pinned, which would narrow what Node sees as the machine's cores.
  const machine = machineInfo(coturn.path);
  const choice: ServerChoice = { coturn, dataPlane: s.dataPlane, relayThreads: s.relayThreads, serverCpus: s.serverCpus };
  printHeader(s, machine, coturn, settleDataPlaneEnv(s));
  if (s.loadCpus !== undefined) pinSelf(s.loadCpus);
  if (s.profileDir !== undefined) mkdirSync(s.profileDir, { recursive: true });
  if (s.turnpikeUclients < 0) {
    s.turnpikeUclients = turnpikeUclientAvailable() ? 1 : 0;
    if (s.turnpikeUclients === 0) console.log('closed:   none (node bin/turnpike.js uclient --help did not answer in 10 s with --json and --duration)');
  }
  const relayPorts = s.allocations + 50 + (s.uclients + s.turnpikeUclients) * s.clients * 2 + 100;
  const range = await freeRange(relayPorts);
  const peerPort = await freeUdpTcpPort();
  const setup: ServerSetup = { port: 0, minPort: range.min, maxPort: range.max, realm: 'bench.turnpike', user: 'bench', password: 'bench-password' };
  let peer: Launched | undefined;
  const figures: ServerFigures[] = [];
  try {
    peer = await startPeer(peerPort);
    for (let round = 1; round <= s.rounds; round++) {
      const perClient = messagesPerClient(s.seconds, s.clients);
      if (round === 1) printCommands(s, choice, { ...setup, port: 3478 }, peerPort, perClient);
      const order: ServerKind[] = round % 2 === 1 ? ['coturn', 'turnpike'] : ['turnpike', 'coturn'];
      const thisRound: ServerFigures[] = [];
      for (const kind of order) {
        const plan: MeasurePlan = {
          setup: { ...setup, port: await freeUdpTcpPort() }, choice,
          peerPort, uclients: s.uclients, clients: s.clients, messagesPerClient: perClient, length: s.length,
          allocations: s.allocations, concurrency: s.concurrency, uclientTimeoutMs: s.seconds * 4000 + 30_000,
          profileDir: s.profileDir, turnpikeUclients: s.turnpikeUclients, turnpikeSeconds: s.seconds, threads: s.threads,
        };
        const f = await measureServer(kind, plan);
        thisRound.push(f);
        console.log(formatRoundLine(round, f));
        if (s.threads) console.log(formatThreadsLine('unpaced load', f.threads ?? []));
        if (f.windowed !== undefined) console.log(formatWindowedLine(f.windowed));
        if (f.control !== undefined) console.log(formatControlLine(f.control));
        if (s.threads && f.windowed !== undefined) console.log(formatThreadsLine('closed loop', f.windowed.threads ?? []));
        for (const p of problems(f)) console.log(p);
        if (f.profile !== undefined) {
          console.log(`  CPU profile ${f.profile.file}`);
          console.log(`  top self time, unpaced load:\n    ${f.profile.load.join('\n    ')}`);
          console.log(`  top self time, allocation set-ups:\n    ${f.profile.setups.join('\n    ')}`);
        }
      }
      figures.push(...thisRound);
    }
  } finally {
    await peer?.stop();
  }
  const rows = summarize(figures);
  console.log('');
  console.log(formatSummary(rows, s.rounds));
  console.log('(each echoed message is 2 datagrams in and 2 out at the server; rate and CPU (utime+stime of the server process tree) are over the steady middle half of each load)');
  const planes = [...new Set(figures.filter((f) => f.kind === 'turnpike').map((f) => f.dataPlane ?? 'not logged'))];
  console.log(`(Turnpike's data plane, as it logged it: ${planes.join('; ')})`);
  if (s.json) {
    const coturnArgs = serverOptions('coturn', setup, 'PIDFILE', choice);
    const turnpikeArgs = serverOptions('turnpike', setup, 'PIDFILE', choice);
    console.log(JSON.stringify({ machine, settings: s, coturn, coturnArgs, turnpikeArgs, rounds: figures, summary: rows }));
  }
  return 0;
}

await benchMain(readSettings, run, USAGE);
