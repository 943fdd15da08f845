/**
 * One measurement of the user-database bench: one server (Turnpike or coturn) with its users
 * either in a configuration file (`-c FILE` with `user=NAME:PASSWORD` lines, "static") or in a
 * user database (SQLite or PostgreSQL), started fresh, warmed up with a few hundred full
 * set-ups, then `allocations` set-ups timed (401 → Allocate → CreatePermission → ChannelBind,
 * `concurrency` in flight; alloc-client.ts), then all released (Refresh 0, outside the timed
 * window), and the server stopped. Every set-up authenticates as its own user (`benchUser`):
 * the warm-up as users 0 … warmUp−1, the timed set-ups as warmUp … warmUp+allocations−1, so no
 * two set-ups of a round share a user (nor a user-database look-up).
 *
 * Figures: set-ups per second (wall clock of the timed set-ups), server CPU per set-up
 * (utime + stime of the server's process tree over that window, proc-stat.ts), and with
 * PostgreSQL the CPU of the backends serving the test database over the same window and the
 * transactions that database ran per set-up (warm-up and timed set-ups with their releases,
 * counted once the server is gone; pg-backends.ts). SQLite runs inside the server process,
 * so its cost is in the server's CPU.
 */
import type dgram from 'node:dgram';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchTurnServer, type ServerKind } from '../../harness/servers.ts';
import type { ScratchDb } from '../../harness/databases.ts';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { bindClientSockets, closeSockets, openAllocations, releaseAllocations, type AllocationTarget } from './alloc-client.ts';
import { monotonicMicros, summarizeProfileFile } from './cpu-profile.ts';
import { backendsGone, BackendCpuSampler, transactionsOf, type BackendCpu, type PgWatch } from './pg-backends.ts';
import { CpuSampler } from './proc-stat.ts';
import { ServerLogWatch } from './server-log.ts';
import { serverOptions, type ServerChoice, type ServerSetup } from './servers.ts';

/** The start of this process's servers' pid files in the temporary directory (see removePidFiles). */
const PID_FILE_PREFIX = `turnpike-bench-userdb-${process.pid}-`;

/** Removes the pid files of this process's servers (coturn leaves its own behind when killed). */
export function removePidFiles(): void {
  for (const f of readdirSync(tmpdir())) if (f.startsWith(PID_FILE_PREFIX)) rmSync(path.join(tmpdir(), f), { force: true });
}

/** Where the server's users are. */
export type UserSource = 'static' | 'sqlite' | 'postgresql';

/** One configuration: a server and where its users are. */
export interface UserDbConfig {
  kind: ServerKind;
  users: UserSource;
}

/** The i-th user of the bench (from 0): `bench-i`, password `pw-i`. */
export function benchUser(i: number): { user: string; password: string } {
  return { user: `bench-${i}`, password: `pw-${i}` };
}

/** How many users one round needs: one per set-up, warm-up and timed. */
export function usersNeeded(plan: Pick<SetupPlan, 'warmUp' | 'allocations'>): number {
  return plan.warmUp + plan.allocations;
}

/** Where the bench's users are: the static users' configuration file and the scratch databases (a source without one is skipped). */
export interface BenchDatabases {
  /** a configuration file holding only `user=bench-i:pw-i` lines, given to both servers with `-c` */
  staticFile?: string;
  sqlite?: ScratchDb;
  postgresql?: { db: ScratchDb; name: string; watch: PgWatch };
}

/** What every measurement shares. */
export interface SetupPlan {
  /** listening port 0: each server gets a free one */
  setup: ServerSetup;
  choice: ServerChoice;
  /** the peer the permissions and channels are for (nothing needs to listen there) */
  peerPort: number;
  allocations: number;
  concurrency: number;
  warmUp: number;
  /** when set, Turnpike runs under `node --cpu-prof` writing into this directory */
  profileDir?: string;
}

/** The figures of one configuration in one round. */
export interface SetupFigures extends UserDbConfig {
  setupsPerSecond: number;
  /** server CPU µs per timed set-up */
  serverCpuUs: number;
  /** CPU µs of the test database's PostgreSQL backends per timed set-up (NaN when not read) */
  dbCpuUs: number;
  /** transactions in the test database per set-up with its release (NaN when not read) */
  dbTransactions: number;
  backends?: BackendCpu;
  /** warm-up and timed set-ups that failed */
  failed: number;
  firstError: string | undefined;
  serverLog: string[];
  dataPlane: string | undefined;
  /** top self-time functions over the timed set-ups (Turnpike under --cpu-prof only) */
  profile?: { file: string; top: string[] };
}

/**
 * The server options of a configuration: the bench's shared line without its one `-u` user.
 * Static users: `-n` (no configuration file) becomes `-c FILE`, the file of `user=` lines.
 * A database: `-n` stays and the database's option is added.
 */
export function configOptions(c: UserDbConfig, setup: ServerSetup, pidFile: string, choice: ServerChoice, dbs: BenchDatabases): string[] {
  const shared = serverOptions(c.kind, setup, pidFile, choice);
  const u = shared.indexOf('-u');
  const withoutUser = u < 0 ? shared : [...shared.slice(0, u), ...shared.slice(u + 2)];
  if (c.users === 'static') {
    if (dbs.staticFile === undefined) throw new Error('no static users file');
    const n = withoutUser.indexOf('-n');
    if (n < 0) throw new Error("the shared command line has no '-n' to replace with '-c'");
    return [...withoutUser.slice(0, n), '-c', dbs.staticFile, ...withoutUser.slice(n + 1)];
  }
  const db = c.users === 'sqlite' ? dbs.sqlite : dbs.postgresql?.db;
  if (db === undefined) throw new Error(`no ${c.users} database`);
  // Turnpike gets the long form (--userdb=…, --psql-userdb=…), coturn its short flags (-b, -e).
  return [...withoutUser, ...(c.kind === 'turnpike' ? [db.option] : db.flag)];
}

function profilesIn(dir: string): Set<string> {
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')));
}

/** Measures one configuration; the server is always stopped and the client sockets closed. */
export async function measureSetups(c: UserDbConfig, plan: SetupPlan, dbs: BenchDatabases): Promise<SetupFigures> {
  const port = await freeUdpTcpPort();
  const setup = { ...plan.setup, port };
  const pidFile = path.join(tmpdir(), `${PID_FILE_PREFIX}${c.kind}-${port}.pid`);
  const profiling = c.kind === 'turnpike' && plan.profileDir !== undefined;
  const before = profiling ? profilesIn(plan.profileDir!) : new Set<string>();
  const pgDb = c.users === 'postgresql' ? dbs.postgresql : undefined;
  const log = new ServerLogWatch();
  const nodeArgs = profiling ? ['--cpu-prof', `--cpu-prof-dir=${plan.profileDir}`] : [];
  const server = await launchTurnServer(c.kind, configOptions(c, setup, pidFile, plan.choice, dbs), { port, pidFile, nodeArgs, onLine: log.onLine });
  log.serving();
  const sampler = new CpuSampler(server.pid, 100);
  const sockets: dgram.Socket[] = [];
  // One user per set-up: the warm-up's first, then the timed set-ups' (see benchUser).
  const first = benchUser(0);
  const warmTarget: AllocationTarget = { serverPort: port, ...first, peerPort: plan.peerPort, userFor: (i) => benchUser(i) };
  const timedTarget: AllocationTarget = { ...warmTarget, userFor: (i) => benchUser(plan.warmUp + i) };
  let figures: SetupFigures;
  let window = { start: 0, end: 0 };
  try {
    const transactionsBefore = pgDb === undefined ? NaN : await transactionsOf(pgDb.watch, pgDb.name);
    sockets.push(...(await bindClientSockets(plan.warmUp)));
    const warm = await openAllocations(sockets, warmTarget, plan.concurrency);
    await releaseAllocations(warm.held, warmTarget, plan.concurrency);
    const timed = await bindClientSockets(plan.allocations);
    sockets.push(...timed);
    const backendSampler = pgDb?.watch.postmaster === undefined ? undefined : new BackendCpuSampler(pgDb.watch.postmaster, pgDb.name);
    backendSampler?.start();
    sampler.sample();
    const opened = await openAllocations(timed, timedTarget, plan.concurrency);
    sampler.sample();
    const backends = backendSampler?.stop();
    window = { start: opened.startedAt, end: opened.endedAt };
    await releaseAllocations(opened.held, timedTarget, plan.concurrency);
    const n = opened.held.length;
    const cpu = sampler.cpuBetween(opened.startedAt, opened.endedAt);
    figures = {
      ...c,
      setupsPerSecond: n > 0 ? n / ((opened.endedAt - opened.startedAt) / 1000) : 0,
      serverCpuUs: n > 0 ? (cpu * 1e6) / n : NaN,
      dbCpuUs: backends !== undefined && n > 0 ? (backends.seconds * 1e6) / n : NaN,
      dbTransactions: NaN,
      backends,
      failed: warm.failed + opened.failed,
      firstError: warm.firstError ?? opened.firstError,
      serverLog: [],
      dataPlane: undefined,
    };
    if (pgDb !== undefined) {
      // Counted once the server is gone: a backend flushes its statistics as it exits.
      sampler.stop();
      await server.stop();
      await backendsGone(pgDb.watch.postmaster, pgDb.name);
      const transactions = (await transactionsOf(pgDb.watch, pgDb.name)) - transactionsBefore;
      figures.dbTransactions = transactions / Math.max(1, warm.held.length + n);
    }
  } finally {
    sampler.stop();
    await server.stop();
    await closeSockets(sockets);
  }
  // Read once the server has exited, so that what it said while stopping counts too.
  figures.serverLog = log.notes();
  figures.dataPlane = log.dataPlane;
  if (profiling) {
    const file = [...profilesIn(plan.profileDir!)].find((f) => !before.has(f));
    if (file !== undefined) {
      const full = path.join(plan.profileDir!, file);
      figures.profile = { file: full, top: summarizeProfileFile(full, 15, { from: monotonicMicros(window.start), to: monotonicMicros(window.end) }) };
    }
  }
  return figures;
}
