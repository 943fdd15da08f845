/**
 * CPU time and resident memory of a process tree, read from Linux's /proc: utime + stime of
 * every thread of every process (fields 14 and 15 of /proc/<pid>/stat, which sum the threads
 * of a process) and VmRSS from /proc/<pid>/status. Used by the bench to charge each server
 * with what it spent during a load window only.
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

/** The fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
function statFields(pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) one process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  // After the name: f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
  return f === undefined ? 0 : (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
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

  constructor(pid: number, intervalMs = 100) {
    this.#pid = pid;
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
    this.samples.push({ at: performance.now(), cpu });
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
    const s = this.samples;
    if (s.length === 0) return 0;
    if (at <= s[0].at) return s[0].cpu;
    for (let i = 1; i < s.length; i++) {
      if (at <= s[i].at) {
        const a = s[i - 1];
        const b = s[i];
        return a.cpu + ((b.cpu - a.cpu) * (at - a.at)) / (b.at - a.at || 1);
      }
    }
    return s[s.length - 1].cpu;
  }
}
