/**
 * What a PostgreSQL user database costs the PostgreSQL server, for the user-database bench:
 * the CPU (utime + stime, /proc/<pid>/stat) of the backends serving ONE database — the
 * postmaster's children whose process title (`postgres: 15/main: USER DBNAME HOST(PORT) …`,
 * /proc/<pid>/cmdline) names it — and how many transactions that database committed
 * (`pg_stat_database.xact_commit + xact_rollback`; each statement a server sends outside a
 * transaction block is one). Background processes (checkpointer, WAL writer …) and the
 * postmaster's forking are not charged. The postmaster is found as the parent of this bench's
 * own admin connection's backend, so when PostgreSQL runs in another pid namespace (another
 * container) the CPU cannot be read and is reported as such.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { processCpuSeconds, processTree } from './proc-stat.ts';

/** An admin connection to the PostgreSQL server at 127.0.0.1:5432 and the postmaster's pid when readable here. */
export interface PgWatch {
  client: pg.Client;
  /** undefined when the postmaster is not visible in this pid namespace */
  postmaster: number | undefined;
}

/** Connects to the `postgres` database as the bench's observer. */
export async function openPgWatch(): Promise<PgWatch> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, postmaster: parentOf(rows[0].pid) };
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 (ppid) is the second after the parenthesised name.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The pids of the backends connected to database `db`. */
export function backendsOf(postmaster: number, db: string): number[] {
  return processTree(postmaster).filter((pid) => {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return title.startsWith('postgres:') && title.includes(` ${db} `);
    } catch {
      return false;
    }
  });
}

/** Transactions committed or rolled back in database `db` so far, as the statistics collector has them. */
export async function transactionsOf(watch: PgWatch, db: string): Promise<number> {
  const { rows } = await watch.client.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [db]);
  return rows.length === 0 ? NaN : Number(rows[0].n);
}

/** Waits (up to `ms`) until no backend serves `db`: their statistics are flushed as they exit. */
export async function backendsGone(postmaster: number | undefined, db: string, ms = 3000): Promise<void> {
  const until = performance.now() + ms;
  while (postmaster !== undefined && backendsOf(postmaster, db).length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Without the postmaster the backends cannot be seen: give them a moment to exit.
  if (postmaster === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
}

/** CPU of the backends of one database over a window. */
export interface BackendCpu {
  seconds: number;
  /** backends seen during the window */
  backends: number;
  /** backends that exited during it (what they spent after their last reading is missed) */
  vanished: number;
}

/**
 * Reads the backends of `db` every `intervalMs` from `start()` to `stop()`. A backend born
 * during the window counts from zero (its connection start-up included).
 */
export class BackendCpuSampler {
  readonly #postmaster: number;
  readonly #db: string;
  readonly #intervalMs: number;
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(postmaster: number, db: string, intervalMs = 100) {
    this.#postmaster = postmaster;
    this.#db = db;
    this.#intervalMs = intervalMs;
  }

  #read(): number[] {
    const pids = backendsOf(this.#postmaster, this.#db);
    for (const pid of pids) {
      const cpu = processCpuSeconds(pid);
      // 0 once gone: a backend that exited between the listing and the read keeps its last reading.
      if (cpu < (this.#last.get(pid) ?? 0)) continue;
      if (!this.#started) this.#first.set(pid, cpu);
      this.#last.set(pid, cpu);
    }
    return pids;
  }

  start(): void {
    this.#read();
    this.#started = true;
    this.#timer = setInterval(() => this.#read(), this.#intervalMs);
  }

  stop(): BackendCpu {
    clearInterval(this.#timer);
    const alive = new Set(this.#read());
    let seconds = 0;
    for (const [pid, cpu] of this.#last) seconds += cpu - (this.#first.get(pid) ?? 0);
    return { seconds, backends: this.#last.size, vanished: [...this.#last.keys()].filter((p) => !alive.has(p)).length };
  }
}
