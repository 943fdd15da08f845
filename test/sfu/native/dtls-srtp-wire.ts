/**
 * Helpers for the DTLS-SRTP endpoint tests (dtls-srtp.test.ts): the addon's DTLS-SRTP
 * functions as TypeScript sees them, a UDP socket that drives one connection (feeding it,
 * sending what it returns, running its retransmission timer), and `openssl` children.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import dgram from 'node:dgram';
import { loadAddon } from '../../../src/dataplane/native/addon.ts';

export type CertHandle = { readonly __dtlsSrtpCert: unique symbol };
export type ConnHandle = { readonly __dtlsSrtpConn: unique symbol };
export type State = 'new' | 'handshaking' | 'connected' | 'failed' | 'closed';
export interface Srtp {
  profile: number;
  localKey: Buffer;
  localSalt: Buffer;
  remoteKey: Buffer;
  remoteSalt: Buffer;
}
export interface Result {
  out: Buffer[];
  app: Buffer[];
  state: State;
  error?: string;
  srtp?: Srtp;
}
/** The addon's DTLS-SRTP functions (native/src/sfu/dtls-srtp-napi.c). */
export interface DtlsSrtpAddon {
  dtlsSrtpCertificate(): { handle: CertHandle; fingerprint: string };
  dtlsSrtpConnection(cert: CertHandle, role: 'client' | 'server', remoteFingerprint: string): ConnHandle;
  dtlsSrtpStart(c: ConnHandle): Result;
  dtlsSrtpFeed(c: ConnHandle, datagram: Uint8Array): Result;
  dtlsSrtpWrite(c: ConnHandle, data: Uint8Array): Result;
  dtlsSrtpHandleTimeout(c: ConnHandle): Result;
  dtlsSrtpClose(c: ConnHandle): Result;
  dtlsSrtpTimeout(c: ConnHandle): number;
  dtlsSrtpCounters(): { handshakes: number; failures: number; badRecords: number };
}

/** The addon's DTLS-SRTP functions, or why they are not there. */
export function loadDtlsSrtp(): DtlsSrtpAddon | string {
  const loaded = loadAddon();
  if (!loaded.ok) return `no native addon: ${loaded.reason}`;
  const a = loaded.addon as unknown as Partial<DtlsSrtpAddon> & { dtlsSrtpUnavailable?: string };
  return typeof a.dtlsSrtpCertificate === 'function' ? (a as DtlsSrtpAddon) : (a.dtlsSrtpUnavailable ?? 'the native addon has no DTLS-SRTP');
}

/** A UDP socket on loopback that feeds `conn` and sends what comes back, with its retransmission timer. */
export class Wire {
  readonly socket = dgram.createSocket('udp4');
  readonly app: Buffer[] = [];
  peer: { port: number; address: string } | undefined;
  state: State = 'new';
  error: string | undefined;
  srtp: Srtp | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly addon: DtlsSrtpAddon;
  private readonly conn: ConnHandle;

  constructor(addon: DtlsSrtpAddon, conn: ConnHandle) {
    this.addon = addon;
    this.conn = conn;
    this.socket.on('message', (m, rinfo) => {
      this.peer ??= { port: rinfo.port, address: rinfo.address };
      this.apply(this.addon.dtlsSrtpFeed(this.conn, m));
    });
  }

  bind(): Promise<void> {
    return new Promise((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
  }

  apply(r: Result): void {
    this.state = r.state;
    this.error ??= r.error;
    this.srtp ??= r.srtp;
    this.app.push(...r.app);
    for (const d of r.out) if (this.peer) this.socket.send(d, this.peer.port, this.peer.address);
    clearTimeout(this.timer);
    const ms = this.addon.dtlsSrtpTimeout(this.conn);
    if (ms >= 0) this.timer = setTimeout(() => this.apply(this.addon.dtlsSrtpHandleTimeout(this.conn)), ms + 1);
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.close();
  }
}

/** Waits for `poll` to give a value; a guard against hanging, not a measure of speed. */
export async function until<T>(what: string, poll: () => T | undefined, output: () => string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; openssl said:\n${output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An openssl child whose output is kept. */
export function openssl(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (text += d.toString('latin1')));
  child.stdin.on('error', () => {});
  return { child, output: () => text };
}

export const keyingMaterial = (text: string): string | undefined => /Keying material: ([0-9A-Fa-f]+)/.exec(text)?.[1]?.toUpperCase();
