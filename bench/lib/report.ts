/**
 * How the bench prints its figures: one line per server per round, then the median of the
 * rounds for each server side by side with the ratio Turnpike/coturn. Pure formatting.
 */
import type { ControlFigures, LoadFigures, ServerFigures } from './measure.ts';
import type { ThreadShare } from './proc-stat.ts';
import type { ServerKind } from '../../harness/servers.ts';

/** One figure of the summary table. */
export interface SummaryRow {
  label: string;
  coturn: number;
  turnpike: number;
  /** turnpike / coturn */
  ratio: number;
  /** how to print the values */
  unit: 'count' | 'percent' | 'micros' | 'kib';
  /** whether more is better (for the reader; the bench never judges) */
  higherIsBetter: boolean;
}

/** The median of some numbers (NaN when there are none). */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function fmt(value: number, unit: SummaryRow['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'percent':
      return `${(value * 100).toFixed(3)}%`;
    case 'micros':
      return value.toFixed(2);
    case 'kib':
      return (value / 1024).toFixed(0);
  }
}

/** `round 1  coturn    echoed msg/s 95,000  loss 0.000% …` */
export function formatRoundLine(round: number, f: ServerFigures): string {
  return [
    `round ${round}  ${f.kind.padEnd(8)}`,
    `echoed msg/s ${fmt(f.messagesPerSecond, 'count').padStart(7)}`,
    `loss ${fmt(f.loss, 'percent')}`,
    `CPU ${fmt(f.cpuUsPerMessage, 'micros')} µs/msg (${fmt(f.cpuShare, 'percent')} of a core)`,
    `allocations/s ${fmt(f.allocationsPerSecond, 'count')}`,
    `CPU ${fmt(f.cpuUsPerAllocation, 'micros')} µs/allocation`,
    `RSS ${fmt(f.rssPer1000, 'kib')} KiB/1000 allocations`,
  ].join('  ');
}

/** `  control during the unpaced load: 100 of 100 set-ups and their Refresh answered in 0.41 s` */
export function formatControlLine(c: ControlFigures): string {
  return `  control during the unpaced load: ${c.answered} of ${c.attempted} set-ups and their Refresh answered in ${c.seconds.toFixed(2)} s${c.error ? ` (first failure: ${c.error})` : ''}`;
}

/** `  windowed (turnpike uclient): echoed msg/s 50,000  loss 0.000%  CPU 9.00 µs/msg …` */
export function formatWindowedLine(w: LoadFigures): string {
  return [
    '  closed loop (turnpike uclient):',
    `echoed msg/s ${fmt(w.messagesPerSecond, 'count')}`,
    `loss ${fmt(w.loss, 'percent')}`,
    `CPU ${fmt(w.cpuUsPerMessage, 'micros')} µs/msg (${fmt(w.cpuShare, 'percent')} of a core)`,
  ].join('  ');
}

/** `  threads, unpaced load: main 2.1%  MainThread 75.3%  V8Worker 1.2%` (share of one core each, busiest first). */
export function formatThreadsLine(load: string, threads: readonly ThreadShare[]): string {
  const each = threads.map((t) => `${t.main ? 'main' : t.name} ${(t.share * 100).toFixed(1)}%`);
  return `  threads, ${load}: ${each.length === 0 ? 'none busy' : each.join('  ')}`;
}

/** The medians of the rounds for both servers, with ratios. */
export function summarize(figures: readonly ServerFigures[]): SummaryRow[] {
  const of = (kind: ServerKind, pick: (f: ServerFigures) => number): number => median(figures.filter((f) => f.kind === kind).map(pick));
  const row = (label: string, pick: (f: ServerFigures) => number, unit: SummaryRow['unit'], higherIsBetter: boolean): SummaryRow => {
    const coturn = of('coturn', pick);
    const turnpike = of('turnpike', pick);
    return { label, coturn, turnpike, ratio: turnpike / coturn, unit, higherIsBetter };
  };
  return [
    row('echoed messages/s', (f) => f.messagesPerSecond, 'count', true),
    row('loss', (f) => f.loss, 'percent', false),
    row('server CPU µs per echoed message', (f) => f.cpuUsPerMessage, 'micros', false),
    ...(figures.some((f) => f.windowed !== undefined)
      ? [
          row('closed loop: echoed messages/s', (f) => f.windowed?.messagesPerSecond ?? NaN, 'count', true),
          row('closed loop: loss', (f) => f.windowed?.loss ?? NaN, 'percent', false),
          row('closed loop: server CPU µs per message', (f) => f.windowed?.cpuUsPerMessage ?? NaN, 'micros', false),
        ]
      : []),
    row('allocation set-ups/s', (f) => f.allocationsPerSecond, 'count', true),
    row('server CPU µs per set-up', (f) => f.cpuUsPerAllocation, 'micros', false),
    row('RSS KiB per 1,000 allocations', (f) => f.rssPer1000, 'kib', false),
  ];
}

/** The summary as an aligned text table. */
export function formatSummary(rows: readonly SummaryRow[], rounds: number): string {
  const head = [`median of ${rounds} round${rounds === 1 ? '' : 's'}`, 'coturn', 'turnpike', 'turnpike/coturn'];
  const body = rows.map((r) => [r.label, fmt(r.coturn, r.unit), fmt(r.turnpike, r.unit), Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : 'n/a']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
