/**
 * `npm run bench:userdb` (and the second half of `npm run bench`): allocation set-ups per
 * second and CPU per set-up when the server reads its users from a user database, next to
 * static users on the command line, for Turnpike and for coturn on the same machine.
 *
 * Every set-up authenticates as its own user, `bench-0`, `bench-1` … (password `pw-N`): a round
 * of warm-up and timed set-ups needs warm-up + allocations users, and every round reuses them
 * (each server starts fresh). Configurations: each server with those users in a configuration
 * file of `user=bench-N:pw-N` lines (static: `-c FILE` in place of `-n`), with an SQLite user
 * database (Turnpike `--userdb=FILE`, coturn `-b FILE`, the same file) and with a PostgreSQL
 * one (Turnpike `--psql-userdb=CONN`, coturn `-e CONN`, the same scratch database at
 * 127.0.0.1:5432). In a database `bench-0` is written by `turnpike turnadmin -a`, as a user
 * would, and the others through Turnpike's own backend in this process (`openUserDatabase` +
 * `setUserKey`, the same rows turnadmin writes). Everything else is the relay
 * bench's shared coturn command line (bench/lib/servers.ts): same realm, relay port range and
 * loopback peers; Turnpike's data plane is its default (auto), as it logs it. Each
 * configuration is started fresh for each round, warmed up, then timed over many full set-ups
 * (bench/lib/userdb-measure.ts); rounds alternate the order. Figures are the medians of the
 * rounds. PostgreSQL's own CPU is that of the backends serving the scratch database
 * (bench/lib/pg-backends.ts). A configuration whose server or database is missing is skipped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scratchDatabase, type ScratchDb } from '../harness/databases.ts';
import { freeRange, freeUdpTcpPort } from '../harness/ports.ts';
import { COTURN, coturnMissing, runTurnpike, type ServerKind } from '../harness/servers.ts';
import { longTermKey } from '../src/auth/long-term-key.ts';
import { openUserDatabase } from '../src/db/open.ts';
import { probeCoturn } from './lib/coturn-binary.ts';
import { formatMachine, machineInfo } from './lib/machine.ts';
import { openPgWatch } from './lib/pg-backends.ts';
import { DEFAULT_CHOICE, type ServerChoice, type ServerSetup } from './lib/servers.ts';
import { benchUser, configOptions, measureSetups, removePidFiles, usersNeeded, type BenchDatabases, type SetupFigures, type SetupPlan, type UserDbConfig, type UserSource } from './lib/userdb-measure.ts';
import { configLabel, formatSetupRound, formatUserDbSummary, summarizeConfigs } from './lib/userdb-report.ts';
import { benchMain } from './lib/main.ts';

const USAGE = `Usage: npm run bench:userdb -- [options]

Allocation set-ups per second and CPU per set-up, Turnpike and coturn, with static users,
an SQLite user database and a PostgreSQL one (127.0.0.1:5432, user postgres, trust auth).
Every set-up authenticates as its own user (bench-0, bench-1 …; warm-up + allocations users).

Options:
  --allocations N   timed set-ups per configuration per round (default 2000)
  --concurrency N   set-ups in flight (default 200)
  --warm-up N       set-ups (and releases) before the timed ones on each fresh server (default 500)
  --rounds N        rounds; each starts every configuration fresh, in alternating order (default 3)
  --servers LIST    turnpike,coturn (default both)
  --users LIST      static,sqlite,postgresql (default all three)
  --profile DIR     run Turnpike under node --cpu-prof (profiles in DIR) and print its top
                    self-time functions during the timed set-ups (slows Turnpike down)
  -h, --help        this text`;

const REALM = 'bench.turnpike';
/** How many `user=` lines of the static users' file the command-line listing shows. */
const SHOWN_LINES = 3;

/** Every scratch database made so far, dropped at the end or on an interrupt. */
const made: ScratchDb[] = [];
/** Temporary directories made so far (the static users' file), removed with the databases. */
const madeDirs: string[] = [];

interface Settings {
  allocations: number;
  concurrency: number;
  warmUp: number;
  rounds: number;
  servers: ServerKind[];
  users: UserSource[];
  profileDir: string | undefined;
}

function whole(name: string, text: string | undefined, fallback: number): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} '${text}': expected a whole number of at least 1`);
  return n;
}

function list<T extends string>(name: string, text: string | undefined, all: readonly T[]): T[] {
  if (text === undefined) return [...all];
  const items = text.split(',').map((s) => s.trim());
  for (const i of items) if (!all.includes(i as T)) throw new Error(`--${name} '${i}': expected some of ${all.join(',')}`);
  return all.filter((a) => items.includes(a));
}

function readSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      allocations: { type: 'string' }, concurrency: { type: 'string' }, 'warm-up': { type: 'string' }, rounds: { type: 'string' },
      servers: { type: 'string' }, users: { type: 'string' }, profile: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    allocations: whole('allocations', values.allocations, 2000),
    concurrency: whole('concurrency', values.concurrency, 200),
    warmUp: whole('warm-up', values['warm-up'], 500),
    rounds: whole('rounds', values.rounds, 3),
    servers: list('servers', values.servers, ['turnpike', 'coturn'] as const),
    users: list('users', values.users, ['static', 'sqlite', 'postgresql'] as const),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
  };
}

/** The `user=` lines of the static users' file: users 0 … count−1. */
function staticUserLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { user, password } = benchUser(i);
    return `user=${user}:${password}`;
  });
}

/**
 * Writes the static users' configuration file: `user=` lines and nothing else, so that `-c`
 * changes nothing but the users (every other option stays on the command line).
 */
function writeStaticFile(count: number): { file: string; shown: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-bench-users-'));
  madeDirs.push(dir);
  const file = path.join(dir, 'turnserver.conf');
  const lines = staticUserLines(count);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, shown: lines.slice(0, SHOWN_LINES) };
}

/**
 * Writes users 0 … count−1 into a database: `bench-0` with `turnpike turnadmin -a`, as a user
 * would (the returned command shows how), the rest through Turnpike's own backend in this
 * process, one `setUserKey` per user with the key turnadmin writes (MD5(name:realm:password),
 * RFC 8489 §9.2.2, in hex), a few at a time; then checks that the realm has them all.
 */
async function addUsers(db: ScratchDb, count: number): Promise<{ command: string; note: string }> {
  const first = benchUser(0);
  const args = ['turnadmin', '-a', ...db.flag, '-u', first.user, '-r', REALM, '-p', first.password];
  const r = await runTurnpike(args);
  if (r.code !== 0) throw new Error(`turnpike ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  const started = performance.now();
  const opened = await openUserDatabase({ kind: db.kind, connection: db.connection });
  try {
    let next = 1;
    const writer = async (): Promise<void> => {
      while (next < count) {
        const { user, password } = benchUser(next++);
        await opened.setUserKey(REALM, user, Buffer.from(longTermKey(user, REALM, password)).toString('hex'));
      }
    };
    await Promise.all(Array.from({ length: 4 }, writer));
    const have = (await opened.listUsers(REALM)).length;
    if (have !== count) throw new Error(`the ${db.kind} database has ${have} users in realm ${REALM}, not ${count}`);
  } finally {
    await opened.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const rest = count > 1 ? `, ${benchUser(1).user} … ${benchUser(count - 1).user} (${(count - 1).toLocaleString('en-US')}) through Turnpike's own ${db.kind} backend in the bench process (openUserDatabase + setUserKey, key MD5(name:realm:password) in hex) in ${seconds} s` : '';
  return { command: `node bin/turnpike.js ${args.join(' ')}`, note: `${count.toLocaleString('en-US')} users: ${first.user} by the turnadmin command above${rest}` };
}

/** What the command-line listing shows of how the users were written. */
interface UserNotes {
  staticShown: string[];
  /** per database: the turnadmin command and how many users were written and how */
  admin: { label: string; command: string; note: string }[];
}

/** The static users' file and the scratch databases asked for; a PostgreSQL that cannot be reached is reported and left out. */
async function makeDatabases(s: Settings, count: number): Promise<{ dbs: BenchDatabases; notes: UserNotes }> {
  const dbs: BenchDatabases = {};
  const notes: UserNotes = { staticShown: [], admin: [] };
  if (s.users.includes('static')) {
    const written = writeStaticFile(count);
    dbs.staticFile = written.file;
    notes.staticShown = written.shown;
  }
  if (s.users.includes('sqlite')) {
    const db = await scratchDatabase('sqlite');
    made.push(db);
    notes.admin.push({ label: 'sqlite', ...(await addUsers(db, count)) });
    dbs.sqlite = db;
  }
  if (s.users.includes('postgresql')) {
    let db: ScratchDb | undefined;
    try {
      db = await scratchDatabase('postgresql');
    } catch (err) {
      console.log(`PostgreSQL at 127.0.0.1:5432 is not reachable (${(err as Error).message}): its rows are skipped.`);
    }
    if (db !== undefined) {
      made.push(db);
      notes.admin.push({ label: 'postgresql', ...(await addUsers(db, count)) });
      const watch = await openPgWatch();
      const name = /\bdbname=(\S+)/.exec(db.connection)?.[1] ?? '';
      dbs.postgresql = { db, name, watch };
      if (watch.postmaster === undefined) console.log("PostgreSQL's processes are not visible here (another pid namespace?): its CPU is not read.");
    }
  }
  return { dbs, notes };
}

function printCommands(configs: UserDbConfig[], setup: ServerSetup, choice: ServerChoice, dbs: BenchDatabases, s: Settings, notes: UserNotes, count: number): void {
  const last = benchUser(count - 1);
  console.log(`users:    one per set-up, ${benchUser(0).user} … ${last.user} (${count.toLocaleString('en-US')} = ${s.warmUp} warm-up + ${s.allocations} timed; password pw-N), realm ${REALM}; every round reuses them on fresh servers`);
  if (dbs.staticFile !== undefined) {
    console.log(`static:   ${dbs.staticFile}, ${count.toLocaleString('en-US')} lines, only user= lines (no other option), the first:`);
    for (const line of notes.staticShown) console.log(`            ${line}`);
    if (count > notes.staticShown.length) console.log(`            … user=${last.user}:${last.password}`);
  }
  for (const a of notes.admin) {
    console.log(`user:     ${a.command}`);
    console.log(`          ${a.label}: ${a.note}`);
  }
  const shown = { ...setup, port: 3478 };
  for (const c of configs) {
    const options = configOptions(c, shown, '/tmp/turnpike-bench.pid', choice, dbs).join(' ');
    const program = c.kind === 'coturn' ? COTURN.turnserver : 'node bin/turnpike.js turnserver';
    console.log(`${configLabel(c).padEnd(20)}${program} ${options}`);
  }
  console.log(`set-ups:  ${s.warmUp} warm-up set-ups (users ${benchUser(0).user} … ${benchUser(s.warmUp - 1).user}) released, then ${s.allocations} timed (users ${benchUser(s.warmUp).user} … ${last.user}), ${s.concurrency} in flight, each 401 → Allocate → CreatePermission → ChannelBind, then all released with Refresh 0 (untimed)`);
  console.log('(listening and relay ports, the static users file and the scratch databases are chosen per run; the rest is exactly as shown)');
  if (dbs.postgresql !== undefined) {
    console.log('DB CPU: utime+stime (/proc) of the PostgreSQL backends whose process title names the scratch database, over the timed set-ups; not the postmaster or background processes');
    console.log('DB transactions: pg_stat_database xact_commit+xact_rollback of the scratch database per set-up with its release (warm-up included), read once the server has gone');
  }
  if (s.profileDir !== undefined) console.log(`profiling: Turnpike runs under node --cpu-prof --cpu-prof-dir=${s.profileDir}, which slows it: compare figures from runs without --profile`);
}

async function run(s: Settings): Promise<number> {
  const machine = machineInfo();
  console.log('Turnpike vs coturn: allocation set-ups with static users and with user databases');
  console.log(`machine: ${formatMachine(machine)}`);
  const coturnGone = coturnMissing('turnserver');
  if (coturnGone !== false && s.servers.includes('coturn')) {
    console.log(`${coturnGone}: coturn's rows are skipped.`);
    s.servers = s.servers.filter((k) => k !== 'coturn');
  }
  const coturn = coturnGone === false ? probeCoturn(COTURN.turnserver) : { path: COTURN.turnserver, version: 'not installed', adaptations: [] };
  const choice: ServerChoice = { ...DEFAULT_CHOICE, coturn };
  const env = process.env.TURNPIKE_DATA_PLANE;
  console.log(`turnpike data plane: ${env === undefined ? 'its default (auto: native when built)' : `TURNPIKE_DATA_PLANE=${env} from the environment`}; as it logged it: see below`);
  if (s.profileDir !== undefined) mkdirSync(s.profileDir, { recursive: true });
  const figures: SetupFigures[] = [];
  const planes = new Set<string>();
  let configs: UserDbConfig[] = [];
  let dbs: BenchDatabases = {};
  try {
    const count = usersNeeded(s);
    const prepared = await makeDatabases(s, count);
    dbs = prepared.dbs;
    const have = (u: UserSource): boolean => u === 'static' || (u === 'sqlite' ? dbs.sqlite : dbs.postgresql) !== undefined;
    configs = s.servers.flatMap((kind) => s.users.filter(have).map((users) => ({ kind, users })));
    const range = await freeRange(s.allocations + s.warmUp + 100);
    // The shared line's one `-u` user is left out of every configuration (configOptions).
    const setup: ServerSetup = { port: 0, minPort: range.min, maxPort: range.max, realm: REALM, ...benchUser(0) };
    const plan: SetupPlan = { setup, choice, peerPort: await freeUdpTcpPort(), allocations: s.allocations, concurrency: s.concurrency, warmUp: s.warmUp, profileDir: s.profileDir };
    printCommands(configs, setup, choice, dbs, s, prepared.notes, count);
    for (let round = 1; round <= s.rounds; round++) {
      const order = round % 2 === 1 ? configs : [...configs].reverse();
      for (const c of order) {
        const f = await measureSetups(c, plan, dbs);
        figures.push(f);
        if (f.kind === 'turnpike') planes.add(f.dataPlane ?? 'not logged');
        console.log(formatSetupRound(round, f));
        if (f.firstError !== undefined) console.log(`  first failure: ${f.firstError}`);
        for (const note of f.serverLog) console.log(`  ${configLabel(f)} logged: ${note}`);
        if (f.profile !== undefined) console.log(`  CPU profile ${f.profile.file}\n  top self time, timed set-ups:\n    ${f.profile.top.join('\n    ')}`);
      }
    }
  } finally {
    await dbs.postgresql?.watch.client.end().catch(() => {});
    await dropAll();
  }
  console.log('');
  console.log(formatUserDbSummary(summarizeConfigs(figures, configs), s.rounds));
  console.log('(set-ups/s: wall clock of the timed set-ups; CPU: utime+stime per timed set-up; failures: warm-up and timed, summed over the rounds)');
  if (planes.size > 0) console.log(`(Turnpike's data plane, as it logged it: ${[...planes].join('; ')})`);
  return 0;
}

async function dropAll(): Promise<void> {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const db of made.splice(0)) await db.drop().catch((err: Error) => console.log(`could not drop ${db.connection}: ${err.message}`));
}

// On an interrupt the servers are killed first, then the scratch databases dropped.
await benchMain(readSettings, run, USAGE, async () => {
  removePidFiles();
  await dropAll();
});
