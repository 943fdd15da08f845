/**
 * `node bench/fleet-setups.ts`: what a Turnpike fleet costs per allocation set-up. One
 * Turnpike server (a fleet of one: the Redis round trips are the same for each member) is
 * started fresh per configuration and round, each with its own scratch `redis-server` on a
 * free loopback port (no persistence), so Redis's INFO commandstats counts only this server's
 * commands:
 * - `alone`: no Redis;
 * - `statsdb`: `redis-statsdb` (status SET + PUBLISH per allocation, coturn's layout);
 * - `fleet`: `fleet-redis` and `redis-statsdb`, no quota (registry heartbeats only);
 * - `fleet+quota`: the same with fleet-wide `user-quota` and `total-quota` (a lease per allocation).
 * A set-up is the full WebRTC sequence (bench/lib/alloc-client.ts): Allocate → 401, Allocate,
 * CreatePermission, ChannelBind; the releases are Refresh with LIFETIME 0. Figures per
 * configuration: set-ups per second (median of the rounds) and Redis commands per set-up and
 * per release (INFO commandstats deltas, INFO's own calls left out).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { launch } from '../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../harness/ports.ts';
import { launchTurnServer } from '../harness/servers.ts';
import { bindClientSockets, closeSockets, openAllocations, releaseAllocations, type AllocationTarget } from './lib/alloc-client.ts';
import { formatMachine, machineInfo } from './lib/machine.ts';
import { benchMain } from './lib/main.ts';

const USAGE = `Usage: node bench/fleet-setups.ts [options]

Allocation set-ups per second and Redis commands per set-up: Turnpike alone, with
redis-statsdb, as a fleet member, and as a fleet member with fleet-wide quotas.
Needs redis-server on the PATH (a scratch one is started per configuration).

Options:
  --allocations N   timed set-ups per configuration per round (default 2000)
  --concurrency N   set-ups in flight (default 100)
  --warm-up N       set-ups (and releases) before the timed ones (default 200)
  --rounds N        rounds, in alternating order (default 3)
  -h, --help        this text`;

const CONFIGS = ['alone', 'statsdb', 'fleet', 'fleet+quota'] as const;
type FleetConfig = (typeof CONFIGS)[number];

interface Settings { allocations: number; concurrency: number; warmUp: number; rounds: number }

interface Figures { config: FleetConfig; perSecond: number; setupCommands: Map<string, number>; releaseCommands: Map<string, number>; failed: number }

function whole(name: string, text: string | undefined, fallback: number): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} '${text}': expected a whole number of at least 1`);
  return n;
}

function readSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({ args: argv, options: {
    allocations: { type: 'string' }, concurrency: { type: 'string' }, 'warm-up': { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) return undefined;
  return {
    allocations: whole('allocations', values.allocations, 2000), concurrency: whole('concurrency', values.concurrency, 100),
    warmUp: whole('warm-up', values['warm-up'], 200), rounds: whole('rounds', values.rounds, 3),
  };
}

/** Calls per command from INFO commandstats. */
async function commandStats(r: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (k !== 'info' && v - (before.get(k) ?? 0) > 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const perUnit = (m: Map<string, number>, n: number): string =>
  [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ') || 'none';

async function measure(config: FleetConfig, s: Settings): Promise<Figures> {
  const redisPort = await freeTcpPort();
  const redisServer = await launch({ command: 'redis-server', args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'] },
    async () => {
      for (let i = 0; i < 100; i++) {
        const probe = new Redis({ port: redisPort, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        probe.on('error', () => {});
        try {
          await probe.connect();
          probe.disconnect();
          return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('redis-server did not start');
    });
  const conn = `ip=127.0.0.1 port=${redisPort} dbname=0`;
  const port = await freeUdpTcpPort();
  const range = await freeRange(Math.min(s.allocations + s.warmUp + 50, 20_000));
  const options = [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${range.min}`, `--max-port=${range.max}`,
    '--allow-loopback-peers', '-a', '-u', 'bench:bench-pw', '-r', 'bench.turnpike', '--log-file=stdout', '--no-tls', '--no-dtls',
    ...(config === 'alone' ? [] : [`--redis-statsdb=${conn}`]),
    ...(config.startsWith('fleet') ? [`--fleet-redis=${conn}`, '--fleet-member-name=bench'] : []),
    ...(config === 'fleet+quota' ? ['--user-quota=1000000', '--total-quota=1000000'] : []),
  ];
  const server = await launchTurnServer('turnpike', options, { port, keep: 20_000 });
  const redis = new Redis({ port: redisPort });
  try {
    const target: AllocationTarget = { serverPort: port, user: 'bench', password: 'bench-pw', peerPort: 9 };
    const warm = await bindClientSockets(s.warmUp);
    await releaseAllocations((await openAllocations(warm, target, s.concurrency)).held, target, s.concurrency);
    const sockets = await bindClientSockets(s.allocations);
    const before = await commandStats(redis);
    const opened = await openAllocations(sockets, target, s.concurrency);
    const afterSetups = await commandStats(redis);
    await releaseAllocations(opened.held, target, s.concurrency);
    // The release's commands are sent as the allocations end; a round trip after it lets them land.
    await redis.ping();
    const afterReleases = await commandStats(redis);
    await closeSockets([...warm, ...sockets]);
    return {
      config, failed: opened.failed,
      perSecond: (opened.held.length * 1000) / (opened.endedAt - opened.startedAt),
      setupCommands: delta(before, afterSetups), releaseCommands: delta(afterSetups, afterReleases),
    };
  } finally {
    redis.disconnect();
    await server.stop();
    await redisServer.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(s: Settings): Promise<number> {
  console.log(`machine: ${formatMachine(machineInfo())}`);
  console.log(`load: ${s.allocations} set-ups per configuration per round, ${s.concurrency} in flight, ${s.warmUp} warm-up, ${s.rounds} rounds`);
  const byConfig = new Map<FleetConfig, Figures[]>(CONFIGS.map((c) => [c, []]));
  for (let round = 0; round < s.rounds; round++) {
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) {
      const f = await measure(config, s);
      byConfig.get(config)!.push(f);
      console.log(`round ${round + 1} ${config.padEnd(12)} ${f.perSecond.toFixed(0).padStart(6)} set-ups/s  failed ${f.failed}  redis/set-up ${(total(f.setupCommands) / s.allocations).toFixed(2)}  redis/release ${(total(f.releaseCommands) / s.allocations).toFixed(2)}`);
    }
  }
  console.log('\nconfiguration  set-ups/s (median)  Redis commands per set-up  per release');
  const base = median(byConfig.get('alone')!.map((f) => f.perSecond));
  for (const config of CONFIGS) {
    const fs = byConfig.get(config)!;
    const last = fs[fs.length - 1];
    const rate = median(fs.map((f) => f.perSecond));
    console.log(`${config.padEnd(14)} ${rate.toFixed(0).padStart(8)} (${((rate / base) * 100).toFixed(0)}%)   ${perUnit(last.setupCommands, s.allocations).padEnd(40)} ${perUnit(last.releaseCommands, s.allocations)}`);
  }
  return [...byConfig.values()].flat().some((f) => f.failed > 0) ? 1 : 0;
}

await benchMain(readSettings, run, USAGE);
