/**
 * Real-socket helpers for the server tests, all on 127.0.0.1: a Turnpike server started from
 * a coturn-style command line, a UDP echo peer, and TURN clients over UDP and TCP that
 * challenge, sign and match answers by transaction id (RFC 8489 §6.2, RFC 8656 §12.5 framing).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { DropReason } from '../../src/turn/drop-reason.ts';
import { randomBytes } from 'node:crypto';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { decodeMessage, encodeMessage, getAttribute, streamFrameLength } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';

export const HOST = '127.0.0.1';
export const REALM = 'example.org';
/** How long a test waits for an answer before failing (a safety net, not a timing assertion). */
const ANSWER_DEADLINE_MS = 3_000;

/** A running server and the port it listens on. */
export interface TestServer {
  server: RunningTurnServer;
  port: number;
  relayRange: { min: number; max: number };
}

/** Starts Turnpike from a command line as a user would write it (`-n`: no configuration file), plus `extra`. */
export async function startServer(extra: string[] = [], relayPorts = 8, opts: { now?: () => number; relayRange?: { min: number; max: number } } = {}): Promise<TestServer> {
  const port = await freeUdpTcpPort();
  const relayRange = opts.relayRange ?? (await freeRange(relayPorts));
  const { config } = loadTurnserverConfig([
    '-n',
    '--listening-ip', HOST,
    '--listening-port', String(port),
    '--min-port', String(relayRange.min),
    '--max-port', String(relayRange.max),
    '--realm', REALM,
    '--user', 'alice:secret',
    '--lt-cred-mech',
    ...extra,
  ]);
  const server = await startTurnServer(config, { logger: silentLogger, now: opts.now });
  return { server, port, relayRange };
}

/** Resolves with the first value `poll` returns that is not undefined; rejects after the deadline. */
export function eventually<T>(what: string, poll: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ANSWER_DEADLINE_MS;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const v = poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`gave up waiting for ${what}`));
      setTimeout(check, 2);
    };
    check();
  });
}

/** A UDP peer on 127.0.0.1 that echoes every datagram back and remembers what it got. */
export class EchoPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, () => resolve()));
    this.port = this.socket.address().port;
    this.socket.on('message', (msg, rinfo) => {
      this.received.push(msg);
      this.socket.send(msg, rinfo.port, rinfo.address);
    });
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Ways to send bytes to the server and hear back, over UDP or TCP. */
abstract class WireClient {
  readonly username: string;
  readonly password: string;
  nonce: string | undefined;
  /** the realm to sign with: the server's REALM once an answer carried one (RFC 8489 §9.2.3) */
  realm = REALM;
  /** everything the server sent that was not an answer to a request: ChannelData, Data indications */
  readonly other: Buffer[] = [];
  readonly #answers = new Map<string, DecodedStunMessage>();

  constructor(username = 'alice', password = 'secret') {
    this.username = username;
    this.password = password;
  }

  abstract sendRaw(bytes: Uint8Array): void;

  /** Sorts one datagram or frame from the server. */
  protected received(msg: Buffer): void {
    if (msg[0] <= 3 && msg.length >= 20) {
      const d = decodeMessage(msg);
      if (d.ok && (d.value.class === MessageClass.SuccessResponse || d.value.class === MessageClass.ErrorResponse)) {
        this.#answers.set(Buffer.from(d.value.transactionId).toString('hex'), d.value);
        return;
      }
    }
    this.other.push(msg);
  }

  /** Sends a request (signed when a nonce is known and `sign` is not false) and waits for its answer. */
  async request(method: number, attrs: StunAttribute[] = [], sign = this.nonce !== undefined): Promise<DecodedStunMessage> {
    const tid = randomBytes(12);
    const attributes = [...attrs];
    let integrityKey: Uint8Array | undefined;
    if (sign) {
      attributes.push({ type: Attr.Username, value: this.username }, { type: Attr.Realm, value: this.realm }, { type: Attr.Nonce, value: this.nonce ?? '' });
      integrityKey = longTermKey(this.username, this.realm, this.password);
    }
    const bytes = encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes }, { integrityKey });
    const key = tid.toString('hex');
    this.sendRaw(bytes);
    // RFC 8489 §6.2.1: UDP requests are retransmitted; a stream delivers them once.
    let resend = 0;
    const answer = await eventually(`an answer to method 0x${method.toString(16)}`, () => {
      if (this.retransmits && ++resend % 100 === 0) this.sendRaw(bytes);
      return this.#answers.get(key);
    });
    this.#answers.delete(key);
    const nonce = getAttribute(answer, Attr.Nonce);
    if (nonce !== undefined) this.nonce = nonce;
    const realm = getAttribute(answer, Attr.Realm);
    if (realm !== undefined) this.realm = realm;
    return answer;
  }

  protected abstract get retransmits(): boolean;

  /** RFC 8656 §7: challenge, then the signed Allocate; returns the answer. */
  async allocate(attrs: StunAttribute[] = [{ type: Attr.RequestedTransport, value: 17 }]): Promise<DecodedStunMessage> {
    if (this.nonce === undefined) await this.request(Method.Allocate, attrs, false);
    return this.request(Method.Allocate, attrs);
  }

  /** The next message that is not an answer (ChannelData or a Data indication). */
  async nextRelayed(): Promise<Buffer> {
    return eventually('relayed data', () => this.other.shift());
  }
}

/** A TURN client on its own UDP socket. */
export class UdpClient extends WireClient {
  readonly socket = dgram.createSocket('udp4');
  serverPort = 0;

  async connect(serverPort: number): Promise<this> {
    this.serverPort = serverPort;
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, () => resolve()));
    this.socket.on('message', (msg) => this.received(msg));
    return this;
  }

  protected get retransmits(): boolean {
    return true;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.send(bytes, this.serverPort, HOST);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A TURN client over one TCP connection, cutting the stream into frames as the server does. */
export class TcpClient extends WireClient {
  socket: net.Socket | undefined;
  /** frames exactly as they arrived, padding included */
  readonly frames: Buffer[] = [];
  #pending = Buffer.alloc(0);

  async connect(serverPort: number): Promise<this> {
    const socket = net.connect(serverPort, HOST);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      for (;;) {
        const len = streamFrameLength(this.#pending);
        if (len <= 0 || len > this.#pending.length) break;
        const frame = this.#pending.subarray(0, len);
        this.#pending = this.#pending.subarray(len);
        this.frames.push(frame);
        this.received(frame);
      }
    });
    return this;
  }

  protected get retransmits(): boolean {
    return false;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket!.write(bytes);
  }

  close(): Promise<void> {
    const socket = this.socket!;
    if (socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }
}

/** A XOR-PEER-ADDRESS for the echo peer. */
export function peerAt(port: number, address = HOST): { family: 'IPv4'; address: string; port: number } {
  return { family: 'IPv4', address, port };
}

/** Counts of the core's drops by reason, for before/after comparisons. */
export function dropsOf(server: RunningTurnServer): Map<DropReason, number> {
  return new Map(server.core.counters.drops);
}

/** How many more drops of `reason` there are now than in `before`. */
export function dropsSince(server: RunningTurnServer, before: Map<DropReason, number>, reason: DropReason): number {
  return (server.core.counters.drops.get(reason) ?? 0) - (before.get(reason) ?? 0);
}

/** The answer to one request over UDP from a fresh socket, as bytes (a deadline, not a timing). */
export async function answerTo(port: number, request: Uint8Array): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no answer')), 3000);
      socket.on('message', (msg) => {
        clearTimeout(deadline);
        resolve(msg);
      });
      socket.bind(0, HOST, () => socket.send(request, port, HOST));
    });
  } finally {
    socket.close();
  }
}
