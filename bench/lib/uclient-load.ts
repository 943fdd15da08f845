/**
 * The relay load: several unpaced coturn `turnutils_uclient` processes in parallel, each with
 * many clients that allocate, bind a channel (RFC 8656 §12) and send ChannelData as fast as
 * its 1 ms timer lets them to a `turnutils_peer`, which echoes every message back through the
 * relay. Each uclient's progress lines are read as they arrive to find its load window.
 * Turnpike's own `turnpike uclient` (same flags, but unpaced it keeps a window of messages
 * in flight per client: a closed loop that finds the rate the server sustains) makes a second
 * load of its own; it sends for `--duration` seconds and its window is read from its JSON
 * summary.
 */
import { spawnSync } from 'node:child_process';
import { spawnTracked } from '../../harness/children.ts';
import { coturnCommand, turnpikeCommand } from '../../harness/servers.ts';
import { estimateWindow, middleOf, receivedAt, unionWindow, type ProgressSample, type TimeWindow } from './window.ts';

/** What the load is made of. */
export interface UclientLoadOptions {
  serverPort: number;
  peerPort: number;
  user: string;
  password: string;
  /** parallel turnutils_uclient processes */
  uclients: number;
  /** clients (allocations) per uclient: `-m` */
  clients: number;
  /** messages per client: `-n` */
  messagesPerClient: number;
  /** payload bytes: `-l` */
  length: number;
  /** kill a uclient that has not finished by then */
  timeoutMs: number;
  /** how long each `turnpike uclient` sends, in whole seconds */
  turnpikeSeconds?: number;
}

/** The outcome of one uclient process. */
export interface UclientOutcome {
  /** coturn's turnutils_uclient or `turnpike uclient` */
  generator: 'turnutils' | 'turnpike';
  sent: number;
  received: number;
  window: TimeWindow | undefined;
  /** progress reports (turnutils_uclient only) */
  samples: ProgressSample[];
  exit: number | string;
  /** the last lines it printed, for failure messages */
  tail: string;
}

/** The outcome of the whole load. */
export interface UclientLoadResult {
  sent: number;
  received: number;
  /** from the first uclient starting to send to the last one finishing (performance.now() ms) */
  window: TimeWindow | undefined;
  /** the steady part of the load: the middle half of `window` with what was echoed in it (the whole load when there are no progress reports) */
  steady: { window: TimeWindow; received: number } | undefined;
  runs: UclientOutcome[];
}

const PROGRESS = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/;

/** The turnutils_uclient command line of the load (`-z 0`: unpaced; `-c`: no RTCP allocation). */
export function uclientArgs(o: UclientLoadOptions): string[] {
  return [
    '-u', o.user, '-w', o.password, '-e', '127.0.0.1', '-r', String(o.peerPort),
    '-m', String(o.clients), '-n', String(o.messagesPerClient), '-l', String(o.length),
    '-z', '0', '-c', '-p', String(o.serverPort), '127.0.0.1',
  ];
}

/** True when this tree has a working `turnpike uclient` with a JSON summary. */
export function turnpikeUclientAvailable(): boolean {
  const { command, args } = turnpikeCommand(['uclient', '--help']);
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && r.stdout.includes('--json') && r.stdout.includes('--duration');
}

/** The `turnpike uclient` command line: the coturn flags plus a JSON summary and a duration. */
export function turnpikeUclientArgs(o: UclientLoadOptions): string[] {
  return ['uclient', ...uclientArgs(o).slice(0, -1), '--json', '--duration', String(Math.max(1, Math.round(o.turnpikeSeconds ?? 1))), '127.0.0.1'];
}

/** Runs one `turnpike uclient` to the end and reads its JSON summary. */
async function runTurnpikeOne(o: UclientLoadOptions): Promise<UclientOutcome> {
  let summary: { sentMessages?: number; receivedMessages?: number; transmitSeconds?: number } = {};
  let endedAt = 0;
  const onLine = (line: string): void => {
    if (!line.startsWith('{')) return;
    endedAt = performance.now();
    try {
      summary = JSON.parse(line) as typeof summary;
    } catch {
      // reported below as nothing sent
    }
  };
  const child = spawnTracked(turnpikeCommand(turnpikeUclientArgs(o)), { onLine });
  const timer = setTimeout(() => void child.stop(1000), o.timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  const sent = summary.sentMessages ?? 0;
  const seconds = summary.transmitSeconds ?? 0;
  // The summary comes right after the last echo (and a quick Refresh 0 per client).
  const window = sent > 0 && seconds > 0 ? { start: endedAt - seconds * 1000, end: endedAt } : undefined;
  return { generator: 'turnpike', sent, received: summary.receivedMessages ?? 0, window, samples: [], exit, tail: child.output().split('\n').slice(-6).join('\n') };
}

/** Runs one turnutils_uclient to the end (or its time limit). */
async function runOne(o: UclientLoadOptions): Promise<UclientOutcome> {
  const samples: ProgressSample[] = [];
  let sent = 0;
  let received = 0;
  const onLine = (line: string): void => {
    const m = PROGRESS.exec(line);
    if (m === null) return;
    sent = Number(m[1]);
    received = Number(m[2]);
    samples.push({ at: performance.now(), sent, received });
  };
  const child = spawnTracked(coturnCommand('uclient', uclientArgs(o)), { onLine });
  const timer = setTimeout(() => void child.stop(1000), o.timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return { generator: 'turnutils', sent, received, window: estimateWindow(samples, sent), samples, exit, tail: child.output().split('\n').slice(-6).join('\n') };
}

/** Runs `o.uclients` turnutils_uclients (or, with `turnpike`, `turnpike uclient`s) in parallel and adds up what they sent and got back. */
export async function runUclientLoad(o: UclientLoadOptions, generator: UclientOutcome['generator'] = 'turnutils'): Promise<UclientLoadResult> {
  const runs = await Promise.all(Array.from({ length: o.uclients }, () => (generator === 'turnpike' ? runTurnpikeOne(o) : runOne(o))));
  const windows = runs.map((r) => r.window).filter((w): w is TimeWindow => w !== undefined);
  const window = unionWindow(windows);
  const received = runs.reduce((n, r) => n + r.received, 0);
  return { sent: runs.reduce((n, r) => n + r.sent, 0), received, window, steady: window && steadyPart(runs, window, received), runs };
}

function steadyPart(runs: UclientOutcome[], window: TimeWindow, received: number): UclientLoadResult['steady'] {
  if (runs.some((r) => r.samples.length === 0)) return { window, received };
  const middle = middleOf(window);
  let n = 0;
  for (const r of runs) n += receivedAt(r.samples, middle.end, r.received) - receivedAt(r.samples, middle.start, r.received);
  // A load too short for its once-a-second reports to show a middle is taken whole.
  return n > 0 ? { window: middle, received: n } : { window, received };
}
