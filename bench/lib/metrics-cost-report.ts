/**
 * The figures and report of `bench/metrics-cost.ts`: one run's figures, each round's line,
 * and per data plane the medians with metrics off and on, their ratio and the spread between
 * rounds of one setting (so a reader can tell a cost from noise).
 */
import type { DataPlaneKind } from './servers.ts';
import { median } from './report.ts';

export type Setting = 'off' | 'on';

export interface Settings {
  planes: DataPlaneKind[];
  /** whether --planes was given (a missing native build is then an error, not a skip) */
  planesGiven: boolean;
  rounds: number;
  seconds: number;
  scrapeInterval: number;
  clients: number;
  length: number;
  json: boolean;
}

/** One scrape of /metrics by this bench. */
export interface ScrapeRecord {
  /** performance.now() ms when it was sent */
  at: number;
  ms: number;
  bytes: number;
  status: number | string;
}

/** The figures of one run (one plane, one setting, one round). */
export interface RunFigures {
  plane: DataPlaneKind;
  setting: Setting;
  round: number;
  messagesPerSecond: number;
  cpuUsPerMessage: number;
  cpuShare: number;
  sent: number;
  received: number;
  loss: number;
  /** scrapes sent within the steady window, and in all while the server ran */
  scrapesInWindow: number;
  scrapes: ScrapeRecord[];
  /** server CPU of one scrape of the idle server after the load, µs (on only) */
  idleScrapeCpuUs?: number;
  idleScrapeBytes?: number;
  /** the data plane the server says it runs */
  dataPlaneLogged?: string;
  problems: string[];
}


const count = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const micros = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v: number, digits = 1): string => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : 'n/a');
const signedPct = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : 'n/a');

export function formatRun(f: RunFigures, s: Settings): string {
  const parts = [
    `round ${f.round}  ${f.plane.padEnd(6)} ${f.setting.padEnd(3)}`,
    `echoed msg/s ${count(f.messagesPerSecond).padStart(7)}`,
    `loss ${pct(f.loss, 3)}`,
    `CPU ${micros(f.cpuUsPerMessage)} µs/msg (${pct(f.cpuShare)} of a core)`,
  ];
  if (f.setting === 'on') {
    const ms = f.scrapes.map((r) => r.ms);
    const kib = f.scrapes.length > 0 ? f.scrapes[f.scrapes.length - 1].bytes / 1024 : NaN;
    parts.push(`scrapes ${f.scrapesInWindow} in the steady window, ${f.scrapes.length} in all every ${s.scrapeInterval} s (median ${median(ms).toFixed(1)} ms, ${kib.toFixed(1)} KiB)`);
  }
  return parts.join('  ');
}

/** (max − min) ÷ median of the rounds of one setting. */
function spread(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length < 2) return NaN;
  return (Math.max(...v) - Math.min(...v)) / median(v);
}

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

export interface PlaneSummary {
  plane: DataPlaneKind;
  rows: { label: string; off: number; on: number; ratio: number; spreadOff: number; spreadOn: number; paired: number[] }[];
  idleScrapeCpuUs: number;
  idleScrapeBytes: number;
  /** what one scrape every interval costs per message at the median "on" rate, µs */
  expectedUsPerMessage: number;
}

export function summarizePlane(plane: DataPlaneKind, runs: RunFigures[], s: Settings): PlaneSummary {
  const mine = runs.filter((r) => r.plane === plane);
  const of = (setting: Setting, pick: (f: RunFigures) => number): number[] => mine.filter((r) => r.setting === setting).sort((a, b) => a.round - b.round).map(pick);
  const row = (label: string, pick: (f: RunFigures) => number) => {
    const off = of('off', pick);
    const on = of('on', pick);
    const paired = off.map((o, i) => (on[i] ?? NaN) / o);
    return { label, off: median(off), on: median(on), ratio: median(on) / median(off), spreadOff: spread(off), spreadOn: spread(on), paired };
  };
  const idleScrapeCpuUs = median(of('on', (f) => f.idleScrapeCpuUs ?? NaN));
  const rate = median(of('on', (f) => f.messagesPerSecond));
  return {
    plane,
    rows: [row('echoed messages/s', (f) => f.messagesPerSecond), row('server CPU µs per echoed message', (f) => f.cpuUsPerMessage), row('server CPU, share of a core', (f) => f.cpuShare)],
    idleScrapeCpuUs,
    idleScrapeBytes: median(of('on', (f) => f.idleScrapeBytes ?? NaN)),
    expectedUsPerMessage: idleScrapeCpuUs / (s.scrapeInterval * rate),
  };
}

export function formatPlaneSummary(p: PlaneSummary, s: Settings, logged: string): string {
  const head = [`${p.plane} (${logged}), median of ${s.rounds}`, 'metrics off', 'metrics on', 'on ÷ off', 'spread off', 'spread on', 'on ÷ off by round'];
  const fmt = (label: string, v: number): string => (label.startsWith('echoed') ? count(v) : label.startsWith('server CPU µs') ? micros(v) : pct(v));
  const body = p.rows.map((r) => [
    r.label, fmt(r.label, r.off), fmt(r.label, r.on),
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(3)}×` : 'n/a',
    pct(r.spreadOff), pct(r.spreadOn),
    r.paired.map((x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a')).join(' '),
  ]);
  const cpu = p.rows[1];
  const lines = [table(head, body)];
  lines.push(`  CPU per message, on vs off: ${signedPct(cpu.ratio - 1)}; rounds of one setting spread ${pct(cpu.spreadOff)} (off) and ${pct(cpu.spreadOn)} (on)`);
  lines.push(`  one scrape of the idle server after the load: ${micros(p.idleScrapeCpuUs)} µs server CPU, ${(p.idleScrapeBytes / 1024).toFixed(1)} KiB; one every ${s.scrapeInterval} s at the "on" rate is ${p.expectedUsPerMessage.toFixed(4)} µs/msg (${signedPct(p.expectedUsPerMessage / cpu.off)} of CPU per message off)`);
  return lines.join('\n');
}

