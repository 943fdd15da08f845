/**
 * Health of the alternate servers (beyond coturn, which redirects to a dead server as readily
 * as to a live one): every few seconds each server named by `alternate-server`,
 * `udp-alternate-server` or `aux-server` (under `udp-self-balance`) is asked a STUN Binding
 * request (RFC 8489 §6) over UDP, and each `tls-alternate-server` or `tcp-alternate-server`
 * is checked by a TCP connection to its port. A server that fails
 * `failuresToDown` probes in a row is reported down and leaves the rotation; one answer brings
 * it back. The rotation itself is the TURN core's state (`AlternateServers`); this driver only
 * reports into it. Probes and scheduling are injected, so tests drive rounds themselves.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { decodeMessage, encodeMessage } from '../stun/index.ts';
import { Method, MessageClass } from '../stun/types.ts';

/** A server to watch, and how to reach it. */
export interface HealthTarget {
  ip: string;
  port: number;
  /** `udp`: a Binding request over UDP; `tcp`: a TCP connection (TLS and TCP alternates) */
  probe: 'udp' | 'tcp';
}

/** Asks one server once; true when it answered within `timeoutMs`. Must not reject. */
export type Probe = (target: HealthTarget, timeoutMs: number) => Promise<boolean>;

/** Runs `fn` every `ms` until the returned function is called. */
export type Every = (ms: number, fn: () => void) => () => void;

export interface AlternateHealthOptions {
  targets: readonly HealthTarget[];
  /** told each time a server goes down or comes back */
  report: (target: HealthTarget, up: boolean) => void;
  /** between rounds (default 5000 ms) */
  intervalMs?: number;
  /** how long a probe waits for its answer (default: the interval, at most 2000 ms) */
  timeoutMs?: number;
  /** failed probes in a row that make a server down (default 2: one lost datagram is not an outage) */
  failuresToDown?: number;
  probe?: Probe;
  every?: Every;
}

const realEvery: Every = (ms, fn) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/** The health checker of a server's alternates. */
export class AlternateHealth {
  readonly #o: Required<Omit<AlternateHealthOptions, 'timeoutMs'>> & { timeoutMs: number };
  /** per target: failed probes in a row, and whether it is up */
  readonly #state: { failures: number; up: boolean }[];
  #running: Promise<void> | undefined;
  #stop: (() => void) | undefined;

  constructor(o: AlternateHealthOptions) {
    const intervalMs = o.intervalMs ?? 5000;
    this.#o = {
      targets: o.targets,
      report: o.report,
      intervalMs,
      timeoutMs: o.timeoutMs ?? Math.min(intervalMs, 2000),
      failuresToDown: o.failuresToDown ?? 2,
      probe: o.probe ?? probeTarget,
      every: o.every ?? realEvery,
    };
    this.#state = o.targets.map(() => ({ failures: 0, up: true }));
  }

  /** Starts the rounds (the first one at once). */
  start(): void {
    if (this.#stop !== undefined) return;
    this.#stop = this.#o.every(this.#o.intervalMs, () => void this.round());
    void this.round();
  }

  /** Probes every target once, concurrently, and reports the changes; a round still running is joined, not doubled. */
  round(): Promise<void> {
    this.#running ??= this.#round().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #round(): Promise<void> {
    const results = await Promise.all(this.#o.targets.map((t) => this.#o.probe(t, this.#o.timeoutMs).catch(() => false)));
    results.forEach((ok, i) => this.#record(i, ok));
  }

  #record(i: number, ok: boolean): void {
    const s = this.#state[i];
    s.failures = ok ? 0 : s.failures + 1;
    const up = ok || (s.up && s.failures < this.#o.failuresToDown);
    if (up === s.up) return;
    s.up = up;
    this.#o.report(this.#o.targets[i], up);
  }

  /** Whether each target is up, in `targets` order. */
  states(): boolean[] {
    return this.#state.map((s) => s.up);
  }

  /** Stops the rounds; a probe in flight finishes on its own. */
  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }
}

/** The real probes: STUN Binding over UDP, TCP connect for TLS ports. */
export const probeTarget: Probe = (target, timeoutMs) => (target.probe === 'udp' ? udpBinding(target, timeoutMs) : tcpConnect(target, timeoutMs));

/** RFC 8489 §6.2.1: a Binding request, sent twice (half the wait apart); any answer with its transaction id counts. */
function udpBinding(target: HealthTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const tid = randomBytes(12);
    const request = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: tid, attributes: [] });
    const socket = createSocket(target.ip.includes(':') ? 'udp6' : 'udp4');
    const timers: NodeJS.Timeout[] = [];
    const done = (ok: boolean): void => {
      for (const t of timers) clearTimeout(t);
      socket.close();
      resolve(ok);
    };
    socket.on('error', () => done(false));
    socket.on('message', (msg) => {
      const d = decodeMessage(msg);
      if (d.ok && d.value.class !== MessageClass.Request && Buffer.from(d.value.transactionId).equals(tid)) done(true);
    });
    const send = (): void => socket.send(request, target.port, target.ip, () => {});
    send();
    timers.push(setTimeout(send, timeoutMs / 2), setTimeout(() => done(false), timeoutMs));
  });
}

/** A TCP connection accepted within the wait (a TLS alternate's port is listening). */
function tcpConnect(target: HealthTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.ip, port: target.port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
