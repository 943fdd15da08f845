/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and sums self time per function, so the bench
 * can say where a server's relay path spends its CPU: the top functions by self time, with
 * their share of the sampled time.
 */
import { readFileSync } from 'node:fs';

/** One function's self time. */
export interface SelfTime {
  /** `name file:line` */
  where: string;
  ms: number;
  share: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/**
 * Self time per function of a parsed profile, largest first; `(idle)` is left out of the
 * shares. `window` (µs of the monotonic clock, as `process.hrtime` and V8 both read it)
 * keeps only the samples taken inside it.
 */
export function selfTimes(profile: Profile, window?: { from: number; to: number }): SelfTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, label(n.callFrame)]));
  const ms = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window !== undefined && (at < window.from || at > window.to)) continue;
    const where = byId.get(profile.samples[i]) ?? '?';
    // Each delta is the time since the previous sample; it is charged to this sample's function.
    ms.set(where, (ms.get(where) ?? 0) + delta / 1000);
  }
  ms.delete('(idle)');
  let total = 0;
  for (const v of ms.values()) total += v;
  return [...ms.entries()].map(([where, t]) => ({ where, ms: t, share: t / total })).sort((a, b) => b.ms - a.ms);
}

/** Converts a performance.now() instant to µs of the monotonic clock V8 stamps profiles with. */
export function monotonicMicros(perfNowMs: number): number {
  const offsetMs = Number(process.hrtime.bigint() / 1000n) / 1000 - performance.now();
  return (perfNowMs + offsetMs) * 1000;
}

/** The top `n` functions of a `.cpuprofile` file (within `window`, if given) as aligned text lines. */
export function summarizeProfileFile(file: string, n = 15, window?: { from: number; to: number }): string[] {
  const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile, window).slice(0, n);
  return rows.map((r) => `${(r.share * 100).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.where}`);
}
