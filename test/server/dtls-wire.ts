/**
 * DTLS test clients for the DTLS listener tests: raw UDP sockets that send ClientHellos
 * captured from `openssl s_client -dtls1_2` (with and without a cookie), and a TURN client
 * whose DTLS session is a real `openssl s_client -dtls` child (STUN over its stdin/stdout).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { loadAddon } from '../../src/dataplane/native/addon.ts';
import { decodeMessage, encodeMessage, getAttribute, streamFrameLength } from '../../src/stun/index.ts';
import { Attr, MessageClass, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { eventually, HOST } from './wire.ts';

/** Why the DTLS tests cannot run here (no DTLS engine in the addon, no openssl command), or false. */
export const opensslMissing: string | false = engineMissing() ?? (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 ? false : 'the openssl command is not installed');

function engineMissing(): string | undefined {
  const loaded = loadAddon();
  if (!loaded.ok) return `no native addon: ${loaded.reason}`;
  const addon = loaded.addon as unknown as { dtlsContext?: unknown; dtlsUnavailable?: string };
  return typeof addon.dtlsContext === 'function' ? undefined : (addon.dtlsUnavailable ?? 'the native addon has no DTLS engine');
}

/** Every socket a test opened, for `closeOpened` after a suite (a failed test leaves its own). */
const opened: dgram.Socket[] = [];

export function closeOpened(): void {
  for (const s of opened.splice(0)) {
    try {
      s.close();
    } catch {
      // closed by its test
    }
  }
}

/** A UDP socket on `ip` that collects what it receives. */
export async function socketOn(ip: string): Promise<{ socket: dgram.Socket; got: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  opened.push(socket);
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  return { socket, got };
}

/** The first datagram `openssl s_client -dtls1_2` sends: a ClientHello without a cookie. */
export async function captureClientHello(): Promise<Buffer> {
  const { socket, got } = await socketOn(HOST);
  const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `${HOST}:${socket.address().port}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    return await eventually('a ClientHello', () => got[0]);
  } finally {
    child.kill();
    socket.close();
  }
}

/**
 * The hello again, echoing `cookie` (RFC 6347 §4.2.1): the cookie replaces the empty one
 * after client_version, random and session_id; lengths, message_seq and sequence follow.
 */
export function withCookie(hello: Buffer, cookie: Buffer): Buffer {
  const body = hello.subarray(25);
  const cookieAt = 34 + 1 + body[34];
  const rest = body.subarray(cookieAt + 1 + body[cookieAt]);
  const nextBody = Buffer.concat([body.subarray(0, cookieAt), Buffer.from([cookie.length]), cookie, rest]);
  const head = Buffer.from(hello.subarray(0, 25));
  head.writeUIntBE(1, 5, 6); // record sequence number
  head.writeUInt16BE(12 + nextBody.length, 11); // record length
  head.writeUIntBE(nextBody.length, 14, 3); // handshake length
  head.writeUInt16BE(1, 17); // message_seq
  head.writeUIntBE(nextBody.length, 22, 3); // fragment_length
  return Buffer.concat([head, nextBody]);
}

/** The cookie of a HelloVerifyRequest (RFC 6347 §4.2.1: server_version, then the cookie). */
export function cookieOf(hvr: Buffer): Buffer {
  assert.equal(hvr[0], 22);
  assert.equal(hvr[13], 3, 'a HelloVerifyRequest');
  return hvr.subarray(28, 28 + hvr[27]);
}

/** Whether a datagram holds a ServerHelloDone (handshake type 14), the end of the server's first flight. */
export function endsFlight(d: Buffer): boolean {
  for (let o = 0; o + 13 <= d.length; o += 13 + d.readUInt16BE(o + 11)) if (d[o] === 22 && d[o + 13] === 14) return true;
  return false;
}

/** A ClientHello that echoes a valid cookie from `socket`: a half-open handshake on the server. */
export async function halfOpen(s: { socket: dgram.Socket; got: Buffer[] }, hello: Buffer, port: number): Promise<void> {
  s.socket.send(hello, port, HOST);
  const cookie = cookieOf(await eventually('a HelloVerifyRequest', () => s.got[0]));
  s.got.length = 0;
  s.socket.send(withCookie(hello, cookie), port, HOST);
  await eventually('the server flight', () => (s.got.some(endsFlight) ? true : undefined));
}

/** A TURN client over a DTLS session of `openssl s_client -dtls` (one STUN message per record). */
export class SClientTurnClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  realm = '';
  nonce: string | undefined;
  readonly #answers = new Map<string, DecodedStunMessage>();
  #pending = Buffer.alloc(0);

  readonly username: string;
  readonly password: string;

  /** `extra`: more s_client arguments (a client certificate, say) */
  constructor(port: number, extra: string[] = [], username = 'alice', password = 'secret') {
    this.username = username;
    this.password = password;
    this.child = spawn('openssl', ['s_client', '-dtls', '-quiet', '-no_ign_eof', ...extra, '-connect', `${HOST}:${port}`]);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      for (;;) {
        const len = streamFrameLength(this.#pending);
        if (len <= 0 || len > this.#pending.length) break;
        const d = decodeMessage(this.#pending.subarray(0, len));
        this.#pending = this.#pending.subarray(len);
        if (d.ok) this.#answers.set(Buffer.from(d.value.transactionId).toString('hex'), d.value);
      }
    });
  }

  /** Sends a request (signed once a nonce is known) and waits for its answer; one at a time. */
  async request(method: number, attrs: StunAttribute[] = []): Promise<DecodedStunMessage> {
    const tid = randomBytes(12);
    const sign = this.nonce !== undefined;
    const attributes = [...attrs, ...(sign ? [{ type: Attr.Username, value: this.username }, { type: Attr.Realm, value: this.realm }, { type: Attr.Nonce, value: this.nonce! }] : [])];
    const integrityKey = sign ? longTermKey(this.username, this.realm, this.password) : undefined;
    // s_client sends what one read of its stdin returns as one record: one message, then its answer.
    this.child.stdin.write(encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes }, { integrityKey }));
    const answer = await eventually(`an answer over DTLS to 0x${method.toString(16)}`, () => this.#answers.get(tid.toString('hex')));
    this.nonce = getAttribute(answer, Attr.Nonce) ?? this.nonce;
    this.realm = getAttribute(answer, Attr.Realm) ?? this.realm;
    return answer;
  }

  /** Ends s_client's input: it sends close_notify and exits. */
  end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }

  kill(): void {
    this.child.kill();
  }
}
