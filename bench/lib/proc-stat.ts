/**
 * CPU time and resident memory of a process tree, read from Linux's /proc: utime + stime of
 * every thread of every process (fields 14 and 15 of /proc/<pid>/stat, which sum the threads
 * of a process) and VmRSS from /proc/<pid>/status. Used by the bench to charge each server
 * with what it spent during a load window only, and, when asked, each thread of it
 * (/proc/<pid>/task/<tid>/stat): whether one relay thread is saturated is a per-thread question.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime (`getconf CLK_TCK`, 100 on every Linux seen). */
export const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** The name in a stat file and the fields after it (the name may itself hold spaces). */
function readStat(file: string): { name: string; fields: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  return { name: text.slice(text.indexOf('(') + 1, close), fields: text.slice(close + 2).split(' ') };
}

/** utime + stime in seconds from the fields after the name: f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12]. */
function cpuOf(fields: string[]): number {
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds (user + system) one process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  const stat = readStat(`/proc/${pid}/stat`);
  return stat === undefined ? 0 : cpuOf(stat.fields);
}

/** One thread's CPU seconds so far. */
export interface ThreadCpu {
  tid: number;
  /** its name (/proc/<pid>/task/<tid>/comm: a thread that never set one has its creator's) */
  name: string;
  cpu: number;
}

/** CPU seconds so far of every thread of one process (not of its children). */
export function threadCpuSeconds(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadCpu[] = [];
  for (const tid of tids) {
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat !== undefined) out.push({ tid: Number(tid), name: stat.name, cpu: cpuOf(stat.fields) });
  }
  return out;
}

/** The pid and its descendants, found through /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        // the thread ended between the listing and the read
      }
      for (const c of children.split(' ')) if (c !== '') walk(Number(c));
    }
  };
  walk(pid);
  return out;
}

/** CPU seconds of a whole process tree. */
export function treeCpuSeconds(pid: number): number {
  let sum = 0;
  for (const p of processTree(pid)) sum += processCpuSeconds(p);
  return sum;
}

/** Resident set size of a whole process tree in bytes (VmRSS of each process). */
export function treeRssBytes(pid: number): number {
  let sum = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) sum += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return sum;
}

/** One CPU reading: when, and how many CPU seconds so far. */
export interface CpuSample {
  /** performance.now() milliseconds */
  at: number;
  cpu: number;
  /** CPU seconds so far of each thread of the root process, by thread id (when the sampler tracks threads) */
  threads?: Map<number, number>;
}

/** The CPU one thread used over an interval, as a share of one core. */
export interface ThreadShare {
  tid: number;
  name: string;
  /** whether it is the process's main thread (tid = pid) */
  main: boolean;
  share: number;
}

/**
 * Samples a process tree's CPU time every `intervalMs` so that the CPU spent between any two
 * instants inside the sampling period can be interpolated afterwards (the load window is only
 * known once the load generators have reported).
 */
export class CpuSampler {
  readonly samples: CpuSample[] = [];
  readonly #pid: number;
  #tree: number[];
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  readonly #threadNames: Map<number, string> | undefined;

  /** With `threads`, each thread of the root process is sampled too (threadSharesBetween). */
  constructor(pid: number, intervalMs = 100, threads = false) {
    this.#pid = pid;
    this.#threadNames = threads ? new Map() : undefined;
    this.#tree = processTree(pid);
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one reading now. */
  sample(): void {
    // The tree is re-read now and then, not on every sample, to keep the sampler cheap.
    if (++this.#ticks % 10 === 0) this.#tree = processTree(this.#pid);
    let cpu = 0;
    for (const p of this.#tree) cpu += processCpuSeconds(p);
    const sample: CpuSample = { at: performance.now(), cpu };
    if (this.#threadNames !== undefined) {
      sample.threads = new Map();
      for (const t of threadCpuSeconds(this.#pid)) {
        sample.threads.set(t.tid, t.cpu);
        this.#threadNames.set(t.tid, t.name);
      }
    }
    this.samples.push(sample);
  }

  /** Stops sampling after one last reading. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
  }

  /** CPU seconds used between two instants (performance.now() ms), linearly interpolated. */
  cpuBetween(from: number, to: number): number {
    return this.cpuAt(to) - this.cpuAt(from);
  }

  /** The interpolated CPU reading at an instant, clamped to the sampled period. */
  cpuAt(at: number): number {
    return this.#interpolate(at, (s) => s.cpu);
  }

  /**
   * Each thread's share of one core between two instants, busiest first, leaving out those
   * under `least`; empty unless the sampler tracks threads.
   */
  threadSharesBetween(from: number, to: number, least = 0.01): ThreadShare[] {
    if (this.#threadNames === undefined || to <= from) return [];
    const out: ThreadShare[] = [];
    for (const [tid, name] of this.#threadNames) {
      // A thread missing from a sample had not started, or had ended: it counts from or up to its last reading.
      const cpu = (s: CpuSample): number => s.threads?.get(tid) ?? NaN;
      const used = this.#interpolate(to, cpu, true) - this.#interpolate(from, cpu, true);
      const share = used / ((to - from) / 1000);
      if (share >= least) out.push({ tid, name, main: tid === this.#pid, share });
    }
    return out.sort((a, b) => b.share - a.share);
  }

  #interpolate(at: number, pick: (s: CpuSample) => number, skipMissing = false): number {
    const s = skipMissing ? this.samples.filter((x) => Number.isFinite(pick(x))) : this.samples;
    if (s.length === 0) return 0;
    if (at <= s[0].at) return pick(s[0]);
    for (let i = 1; i < s.length; i++) {
      if (at <= s[i].at) {
        const a = s[i - 1];
        const b = s[i];
        return pick(a) + ((pick(b) - pick(a)) * (at - a.at)) / (b.at - a.at || 1);
      }
    }
    return pick(s[s.length - 1]);
  }
}
