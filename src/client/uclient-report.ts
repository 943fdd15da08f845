/**
 * The summary of a `uclient` run and its two renderings: text lines in the words of coturn's
 * `turnutils_uclient` (`tot_send_msgs=…`, `Total lost packets N (P%)`, `Average round trip
 * delay X ms; min = A ms, max = B ms`), so scripts that read coturn's output read this too,
 * plus rates; and one JSON object for the benchmark. Pure.
 */
import type { RelayStats } from './relay-stats.ts';

/** Which step of setting up a client failed, and why (a STUN error, a timeout, …). */
export interface SetupFailure {
  client: number;
  step: 'connect' | 'allocate' | 'allocate-rtcp' | 'create-permission' | 'channel-bind' | 'partner';
  reason: string;
}

/** What the run knows besides the traffic counters. */
export interface RunFacts {
  server: string;
  transport: 'UDP' | 'TCP';
  method: 'ChannelData' | 'Send';
  clientToClient: boolean;
  clients: number;
  /** clients whose allocation, permission and channel were all set up */
  readyClients: number;
  /** successful Allocate transactions, RTCP ones included */
  allocations: number;
  failures: SetupFailure[];
  setupSeconds: number;
  transmitSeconds: number;
}

/** Everything a run measured: its facts and the traffic figures. Times in seconds unless named Ms. */
export interface UclientSummary extends RunFacts {
  allocationsPerSecond: number;
  sentMessages: number;
  receivedMessages: number;
  sentBytes: number;
  receivedBytes: number;
  lostMessages: number;
  lossPercent: number;
  sendErrors: number;
  duplicates: number;
  sentPerSecond: number;
  receivedPerSecond: number;
  /** null when no echo came back */
  rttMs: { avg: number; min: number; max: number } | null;
  jitterMs: { avg: number; min: number; max: number } | null;
}

function rate(n: number, seconds: number): number {
  return seconds > 0 ? n / seconds : 0;
}

/** Combines the run's facts and counters into the summary. */
export function summarize(facts: RunFacts, stats: RelayStats): UclientSummary {
  const lost = stats.lostMessages;
  return {
    ...facts,
    allocationsPerSecond: rate(facts.allocations, facts.setupSeconds),
    sentMessages: stats.sentMessages,
    receivedMessages: stats.receivedMessages,
    sentBytes: stats.sentBytes,
    receivedBytes: stats.receivedBytes,
    lostMessages: lost,
    lossPercent: stats.sentMessages > 0 ? (100 * lost) / stats.sentMessages : 0,
    sendErrors: stats.sendErrors,
    duplicates: stats.duplicates,
    sentPerSecond: rate(stats.sentMessages, facts.transmitSeconds),
    receivedPerSecond: rate(stats.receivedMessages, facts.transmitSeconds),
    rttMs: stats.rttCount === 0 ? null : { avg: stats.rttSumMs / stats.rttCount, min: stats.rttMinMs, max: stats.rttMaxMs },
    jitterMs: stats.jitterCount === 0 ? null : { avg: stats.jitterSumMs / stats.jitterCount, min: stats.jitterMinMs, max: stats.jitterMaxMs },
  };
}

const ms = (x: number): string => x.toFixed(3);

/** How many failures the text report lists one by one before summing up the rest. */
const LISTED_FAILURES = 10;

/** The text report, one line per element, coturn's wording where coturn has one. */
export function formatReport(s: UclientSummary): string[] {
  const lines: string[] = [];
  for (const f of s.failures.slice(0, LISTED_FAILURES)) lines.push(`client ${f.client}: ${f.step} failed: ${f.reason}`);
  if (s.failures.length > LISTED_FAILURES) lines.push(`... and ${s.failures.length - LISTED_FAILURES} more failures`);
  lines.push(
    `Total connect time is ${s.setupSeconds.toFixed(3)} s: ${s.readyClients} of ${s.clients} clients ready, ` +
      `${s.allocations} allocations, ${s.allocationsPerSecond.toFixed(1)} allocations/s`,
  );
  if (s.readyClients === 0) {
    lines.push('No client could be set up: nothing sent');
    return lines;
  }
  lines.push(
    `tot_send_msgs=${s.sentMessages}, tot_recv_msgs=${s.receivedMessages}`,
    `tot_send_bytes ~ ${s.sentBytes}, tot_recv_bytes ~ ${s.receivedBytes}`,
    `Total transmit time is ${s.transmitSeconds.toFixed(3)} s (${s.transport}, ${s.method}${s.clientToClient ? ', client to client' : ''})`,
    `Total lost packets ${s.lostMessages} (${s.lossPercent.toFixed(6)}%), total send dropped ${s.sendErrors} (${(s.sentMessages > 0 ? (100 * s.sendErrors) / s.sentMessages : 0).toFixed(6)}%)`,
  );
  const r = s.rttMs ?? { avg: 0, min: 0, max: 0 };
  lines.push(`Average round trip delay ${ms(r.avg)} ms; min = ${ms(r.min)} ms, max = ${ms(r.max)} ms`);
  const j = s.jitterMs ?? { avg: 0, min: 0, max: 0 };
  lines.push(`Average jitter ${ms(j.avg)} ms; min = ${ms(j.min)} ms, max = ${ms(j.max)} ms`);
  lines.push(`Rate ${s.sentPerSecond.toFixed(1)} msgs/s sent, ${s.receivedPerSecond.toFixed(1)} msgs/s received`);
  if (s.duplicates > 0) lines.push(`Duplicate echoes ${s.duplicates}`);
  return lines;
}

/** The JSON summary (`--json`), one line. */
export function summaryJson(s: UclientSummary): string {
  return JSON.stringify(s);
}

/**
 * The process exit status: 1 when a client could not be set up, or when messages were lost
 * and `failOnLoss` is set; 0 otherwise.
 */
export function exitStatus(s: UclientSummary, failOnLoss: boolean): number {
  if (s.failures.length > 0 || s.readyClients < s.clients) return 1;
  if (failOnLoss && s.lostMessages > 0) return 1;
  return 0;
}
