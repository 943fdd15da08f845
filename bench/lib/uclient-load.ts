/**
 * The relay load: several unpaced coturn `turnutils_uclient` processes in parallel, each with
 * many clients that allocate, bind a channel (RFC 8656 §12) and send ChannelData as fast as
 * its 1 ms timer lets them to a `turnutils_peer`, which echoes every message back through the
 * relay. Each uclient's progress lines are read as they arrive to find its load window.
 */
import { spawnTracked } from './children.ts';
import { UCLIENT_BINARY } from './servers.ts';
import { estimateWindow, unionWindow, type ProgressSample, type TimeWindow } from './window.ts';

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
}

/** The outcome of one uclient process. */
export interface UclientOutcome {
  sent: number;
  received: number;
  window: TimeWindow | undefined;
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

/** Runs one turnutils_uclient to the end (or its time limit). */
async function runOne(o: UclientLoadOptions): Promise<UclientOutcome> {
  const samples: ProgressSample[] = [];
  let sent = 0;
  let received = 0;
  const child = spawnTracked(UCLIENT_BINARY, uclientArgs(o), (line) => {
    const m = PROGRESS.exec(line);
    if (m === null) return;
    sent = Number(m[1]);
    received = Number(m[2]);
    samples.push({ at: performance.now(), sent });
  });
  const timer = setTimeout(() => void child.stop(1000), o.timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return { sent, received, window: estimateWindow(samples, sent), exit, tail: child.output().split('\n').slice(-6).join('\n') };
}

/** Runs the uclients in parallel and adds up what they sent and got back. */
export async function runUclientLoad(o: UclientLoadOptions): Promise<UclientLoadResult> {
  const runs = await Promise.all(Array.from({ length: o.uclients }, () => runOne(o)));
  const windows = runs.map((r) => r.window).filter((w): w is TimeWindow => w !== undefined);
  return {
    sent: runs.reduce((n, r) => n + r.sent, 0),
    received: runs.reduce((n, r) => n + r.received, 0),
    window: unionWindow(windows),
    runs,
  };
}
