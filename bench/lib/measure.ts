/**
 * One measurement of one server: start it fresh, open and hold many allocations (set-up rate,
 * server CPU per set-up, resident memory per live allocation), release them, relay the
 * closed-loop load of `turnpike uclient` when there is one, then the unpaced turnutils_uclient
 * load (echoed messages per second, loss, server CPU per relayed message), and stop it.
 * Server CPU is utime + stime of its whole process tree within each window only. Warnings and
 * errors the server logs while it serves are kept with its figures (server-log.ts).
 */
import type dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { monotonicMicros, summarizeProfileFile } from './cpu-profile.ts';
import { bindClientSockets, closeSockets, openAllocations, releaseAllocations, type AllocationTarget } from './alloc-client.ts';
import { CpuSampler, treeRssBytes, type ThreadShare } from './proc-stat.ts';
import type { ServerKind } from '../../harness/servers.ts';
import { ServerLogWatch } from './server-log.ts';
import { startServer, type ServerChoice, type ServerSetup } from './servers.ts';
import { runUclientLoad, type UclientLoadOptions, type UclientLoadResult } from './uclient-load.ts';
import type { TimeWindow } from './window.ts';

/** Everything one server measurement needs. */
export interface MeasurePlan {
  setup: ServerSetup;
  /** which coturn, Turnpike's data plane, relay threads, CPUs */
  choice: ServerChoice;
  peerPort: number;
  uclients: number;
  clients: number;
  messagesPerClient: number;
  length: number;
  allocations: number;
  concurrency: number;
  uclientTimeoutMs: number;
  /** `turnpike uclient` processes of the closed-loop load after it, each sending `turnpikeSeconds` */
  turnpikeUclients: number;
  turnpikeSeconds: number;
  /** when set, Turnpike runs under `node --cpu-prof` writing into this directory */
  profileDir?: string;
  /** also sample each thread of the server (LoadFigures.threads) */
  threads?: boolean;
}

/** Relay figures of one load. */
export interface LoadFigures {
  /** echoed messages per second (each is 2 datagrams in and 2 out at the server) */
  messagesPerSecond: number;
  sent: number;
  received: number;
  /** (sent − received) / sent */
  loss: number;
  /** server CPU microseconds per echoed message, steady part of the load only */
  cpuUsPerMessage: number;
  /** server CPU share of one core during the steady part of the load */
  cpuShare: number;
  /** each busy thread of the server's main process over the steady part of the load (when sampled) */
  threads?: ThreadShare[];
}

/** The control probe during the unpaced load. */
export interface ControlFigures {
  attempted: number;
  /** set-ups that completed (401, Allocate, CreatePermission, ChannelBind) */
  answered: number;
  /** for all of them and their deleting Refresh */
  seconds: number;
  error?: string;
}

/** The figures of one server in one round. */
export interface ServerFigures extends LoadFigures {
  kind: ServerKind;
  /** full set-ups (401 → Allocate → CreatePermission → ChannelBind) per second */
  allocationsPerSecond: number;
  allocationsFailed: number;
  allocationError: string | undefined;
  /** server CPU microseconds per full set-up */
  cpuUsPerAllocation: number;
  /** resident memory growth per 1,000 live allocations, bytes */
  rssPer1000: number;
  /** resident memory before the allocations, bytes */
  rssBaseline: number;
  /** the closed-loop load of `turnpike uclient` (when it ran) */
  windowed: LoadFigures | undefined;
  uclientProblems: string[];
  /** set-ups by other clients while the unpaced load overruns the server */
  control?: ControlFigures;
  /** warnings and errors the server logged once it served, one line per kind */
  serverLog?: string[];
  /** the data plane the server says it runs (Turnpike only) */
  dataPlane?: string;
  /** the profile file and top self-time functions of the unpaced load and of the set-ups (Turnpike with `profileDir` only) */
  profile?: { file: string; load: string[]; setups: string[] };
}

/** Warm-up set-ups before the memory baseline, so both servers are past their first-request costs. */
/**
 * Set-ups opened and released before the measured ones, for both servers alike: a fresh Node
 * process compiles its request path while it serves its first thousand or so requests, and a
 * measurement of that would say how fast V8 compiles, not how fast a running server sets up.
 */
const WARM_UP = 1000;

/** When the control probe starts, into the unpaced load (its clients start within 1–6 s). */
const CONTROL_DELAY_MS = 4_000;
/** Clients of the control probe. */
const CONTROL_CLIENTS = 100;

/** Set-ups (and the Refresh that deletes them) by clients other than the load's, during it. */
async function probeControl(target: AllocationTarget, delayMs: number): Promise<ControlFigures> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const sockets = await bindClientSockets(CONTROL_CLIENTS);
  const start = performance.now();
  const opened = await openAllocations(sockets, target, 20);
  await releaseAllocations(opened.held, target, 20);
  const seconds = (performance.now() - start) / 1000;
  await closeSockets(sockets);
  return { attempted: CONTROL_CLIENTS, answered: opened.held.length, seconds, error: opened.firstError };
}

/** Measures one server; the server is always stopped, even on failure. */
export async function measureServer(kind: ServerKind, plan: MeasurePlan): Promise<ServerFigures> {
  const profiling = kind === 'turnpike' && plan.profileDir !== undefined;
  const before = profiling ? profilesIn(plan.profileDir!) : new Set<string>();
  const log = new ServerLogWatch();
  const nodeArgs = profiling ? ['--cpu-prof', `--cpu-prof-dir=${plan.profileDir}`] : [];
  const server = await startServer(kind, plan.setup, plan.choice, { nodeArgs, onLine: log.onLine });
  log.serving();
  const sampler = new CpuSampler(server.pid, 100, plan.threads === true);
  let figures: ServerFigures;
  let load: UclientLoadResult;
  let setupWindow: TimeWindow;
  let clientSockets: dgram.Socket[] = [];
  try {
    const target: AllocationTarget = { serverPort: plan.setup.port, user: plan.setup.user, password: plan.setup.password, peerPort: plan.peerPort };
    const { setupWindow: setups, sockets, ...alloc } = await measureAllocations(server.pid, sampler, target, plan);
    setupWindow = setups;
    clientSockets = sockets;
    const o: UclientLoadOptions = { ...plan, serverPort: plan.setup.port, user: plan.setup.user, password: plan.setup.password, timeoutMs: plan.uclientTimeoutMs };
    // turnutils_uclient leaves its allocations behind, so a later client could land on one of
    // their 5-tuples and get 437; turnpike uclient deletes its own, so it goes first.
    const windowedLoad = plan.turnpikeUclients > 0 ? await runUclientLoad({ ...o, uclients: plan.turnpikeUclients }, 'turnpike') : undefined;
    // While the unpaced load overruns the server, other clients set up and refresh: control
    // messages must still be answered (RFC 8489 §6.2.1 retransmissions allowed).
    const loading = runUclientLoad(o);
    const control = await probeControl(target, CONTROL_DELAY_MS);
    load = await loading;
    sampler.stop();
    const problems = [...load.runs, ...(windowedLoad?.runs ?? [])].filter((r) => r.exit !== 0 || r.sent === 0).map((r) => `${r.generator} uclient exit ${r.exit}: ${r.tail.trim()}`);
    const relay = loadFigures(load, sampler);
    figures = {
      kind,
      ...alloc,
      ...relay,
      windowed: windowedLoad && loadFigures(windowedLoad, sampler),
      uclientProblems: problems,
      control,
    };
  } finally {
    sampler.stop();
    await server.stop();
    await closeSockets(clientSockets);
  }
  // Read once the server has exited, so that what it said while stopping counts too.
  figures.serverLog = log.notes();
  figures.dataPlane = log.dataPlane;
  if (profiling) figures.profile = profileSummary(plan.profileDir!, before, load.steady?.window, setupWindow);
  return figures;
}

/** The new profile in `dir`, summed over the steady load and over the set-ups. */
function profileSummary(dir: string, before: Set<string>, loadWindow: TimeWindow | undefined, setupWindow: TimeWindow): ServerFigures['profile'] {
  // The profile is written as the server exits.
  const file = [...profilesIn(dir)].find((f) => !before.has(f));
  if (file === undefined) return undefined;
  const full = path.join(dir, file);
  const top = (w: TimeWindow | undefined): string[] => (w === undefined ? [] : summarizeProfileFile(full, 15, { from: monotonicMicros(w.start), to: monotonicMicros(w.end) }));
  return { file: full, load: top(loadWindow), setups: top(setupWindow) };
}

function profilesIn(dir: string): Set<string> {
  return new Set(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')));
}

type AllocationFigures = Pick<ServerFigures, 'allocationsPerSecond' | 'allocationsFailed' | 'allocationError' | 'cpuUsPerAllocation' | 'rssPer1000' | 'rssBaseline'> & {
  /** when the measured set-ups ran (performance.now() ms) */
  setupWindow: TimeWindow;
  /** the client sockets, to be closed once the server has stopped */
  sockets: dgram.Socket[];
};

async function measureAllocations(pid: number, sampler: CpuSampler, target: AllocationTarget, plan: MeasurePlan): Promise<AllocationFigures> {
  const warmSockets = await bindClientSockets(Math.min(WARM_UP, plan.allocations));
  // Memory is read before the warm-up: what the warm-up left behind counts against the server.
  const rssBaseline = treeRssBytes(pid);
  const warm = await openAllocations(warmSockets, target, plan.concurrency);
  await releaseAllocations(warm.held, target, plan.concurrency);
  const sockets: dgram.Socket[] = await bindClientSockets(plan.allocations);
  sampler.sample();
  const opened = await openAllocations(sockets, target, plan.concurrency);
  sampler.sample();
  // Give a lazily growing heap a moment, so the reading is what a user would see.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const rssHeld = treeRssBytes(pid);
  const n = opened.held.length;
  const seconds = (opened.endedAt - opened.startedAt) / 1000;
  const cpu = sampler.cpuBetween(opened.startedAt, opened.endedAt);
  await releaseAllocations(opened.held, target, plan.concurrency);
  return {
    allocationsPerSecond: n > 0 ? n / seconds : 0,
    allocationsFailed: opened.failed + warm.failed,
    allocationError: opened.firstError ?? warm.firstError,
    cpuUsPerAllocation: n > 0 ? (cpu * 1e6) / n : NaN,
    rssPer1000: n > 0 ? ((rssHeld - rssBaseline) * 1000) / n : NaN,
    rssBaseline,
    setupWindow: { start: opened.startedAt, end: opened.endedAt },
    sockets: [...warmSockets, ...sockets],
  };
}

function loadFigures(load: UclientLoadResult, sampler: CpuSampler): LoadFigures {
  const steady = load.steady;
  if (steady === undefined || steady.received <= 0) {
    return { messagesPerSecond: 0, sent: load.sent, received: load.received, loss: load.sent > 0 ? (load.sent - load.received) / load.sent : 1, cpuUsPerMessage: NaN, cpuShare: NaN };
  }
  // Rate and CPU come from the steady part only; loss from the whole load.
  const seconds = (steady.window.end - steady.window.start) / 1000;
  const cpu = sampler.cpuBetween(steady.window.start, steady.window.end);
  return {
    messagesPerSecond: steady.received / seconds,
    sent: load.sent,
    received: load.received,
    loss: (load.sent - load.received) / load.sent,
    cpuUsPerMessage: (cpu * 1e6) / steady.received,
    cpuShare: cpu / seconds,
    threads: sampler.threadSharesBetween(steady.window.start, steady.window.end),
  };
}
