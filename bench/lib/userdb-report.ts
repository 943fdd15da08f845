/**
 * How the user-database bench prints its figures: one line per configuration per round, then
 * the median of the rounds per configuration, Turnpike ÷ coturn for the same users, and each
 * database ÷ static users for the same server. Pure formatting; the bench never judges.
 */
import { median } from './report.ts';
import type { SetupFigures, UserDbConfig, UserSource } from './userdb-measure.ts';

/** `turnpike/postgresql` */
export function configLabel(c: UserDbConfig): string {
  return `${c.kind}/${c.users}`;
}

function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

function ratio(a: number, b: number): string {
  const r = a / b;
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

/** An aligned text table: first column left, the rest right. */
export function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

/** `round 1  turnpike/sqlite      set-ups/s 3,210  server CPU 412.3 µs/set-up  DB CPU n/a  DB transactions n/a  failures 0` */
export function formatSetupRound(round: number, f: SetupFigures): string {
  const parts = [
    `round ${round}  ${configLabel(f).padEnd(19)}`,
    `set-ups/s ${num(f.setupsPerSecond).padStart(6)}`,
    `server CPU ${num(f.serverCpuUs, 1)} µs/set-up`,
    `DB CPU ${Number.isFinite(f.dbCpuUs) ? `${num(f.dbCpuUs, 1)} µs/set-up` : 'n/a'}`,
    `DB transactions ${num(f.dbTransactions, 2)}/set-up`,
    `failures ${f.failed}`,
  ];
  if (f.backends !== undefined) parts.push(`(${f.backends.backends} backend${f.backends.backends === 1 ? '' : 's'}${f.backends.vanished > 0 ? `, ${f.backends.vanished} exited during the window` : ''})`);
  return parts.join('  ');
}

/** Medians over the rounds of one configuration (failures summed). */
export interface ConfigSummary extends UserDbConfig {
  setupsPerSecond: number;
  serverCpuUs: number;
  dbCpuUs: number;
  /** server + database CPU (the server's alone where the database's is not read) */
  totalCpuUs: number;
  dbTransactions: number;
  failed: number;
}

/** The medians of every configuration that ran, in `order`. */
export function summarizeConfigs(figures: readonly SetupFigures[], order: readonly UserDbConfig[]): ConfigSummary[] {
  const out: ConfigSummary[] = [];
  for (const c of order) {
    const mine = figures.filter((f) => f.kind === c.kind && f.users === c.users);
    if (mine.length === 0) continue;
    const m = (pick: (f: SetupFigures) => number): number => median(mine.map(pick));
    out.push({
      ...c,
      setupsPerSecond: m((f) => f.setupsPerSecond),
      serverCpuUs: m((f) => f.serverCpuUs),
      dbCpuUs: m((f) => f.dbCpuUs),
      totalCpuUs: m((f) => f.serverCpuUs + (Number.isFinite(f.dbCpuUs) ? f.dbCpuUs : 0)),
      dbTransactions: m((f) => f.dbTransactions),
      failed: mine.reduce((sum, f) => sum + f.failed, 0),
    });
  }
  return out;
}

/** The per-configuration table, then both kinds of ratio. */
export function formatUserDbSummary(rows: readonly ConfigSummary[], rounds: number): string {
  const head = [`median of ${rounds} round${rounds === 1 ? '' : 's'}`, 'set-ups/s', 'server CPU µs/set-up', 'DB CPU µs/set-up', 'server+DB CPU µs/set-up', 'DB transactions/set-up', 'failures'];
  const main = table(
    head,
    rows.map((r) => [configLabel(r), num(r.setupsPerSecond), num(r.serverCpuUs, 1), num(r.dbCpuUs, 1), num(r.totalCpuUs, 1), num(r.dbTransactions, 2), String(r.failed)]),
  );
  const find = (kind: string, users: UserSource): ConfigSummary | undefined => rows.find((r) => r.kind === kind && r.users === users);
  const ratioRow = (label: string, a: ConfigSummary, b: ConfigSummary): string[] => [
    label, ratio(a.setupsPerSecond, b.setupsPerSecond), ratio(a.serverCpuUs, b.serverCpuUs), ratio(a.totalCpuUs, b.totalCpuUs),
  ];
  const sources: UserSource[] = ['static', 'sqlite', 'postgresql'];
  const vsCoturn: string[][] = [];
  for (const users of sources) {
    const t = find('turnpike', users);
    const c = find('coturn', users);
    if (t !== undefined && c !== undefined) vsCoturn.push(ratioRow(users, t, c));
  }
  const vsStatic: string[][] = [];
  for (const kind of ['turnpike', 'coturn']) {
    const s = find(kind, 'static');
    for (const users of sources.slice(1)) {
      const d = find(kind, users);
      if (s !== undefined && d !== undefined) vsStatic.push(ratioRow(`${kind}: ${users} ÷ static`, d, s));
    }
  }
  const ratioHead = (first: string): string[] => [first, 'set-ups/s', 'server CPU/set-up', 'server+DB CPU/set-up'];
  const parts = [main];
  if (vsCoturn.length > 0) parts.push('', table(ratioHead('turnpike ÷ coturn, same users'), vsCoturn));
  if (vsStatic.length > 0) parts.push('', table(ratioHead('database ÷ static, same server'), vsStatic));
  return parts.join('\n');
}
