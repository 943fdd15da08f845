/**
 * RFC 5780 NAT behaviour discovery, the client's side (§4.3 mapping, §4.4 filtering, §4.5
 * hairpinning, §4.6 binding lifetime, plus coturn's collision check): Binding requests over
 * UDP with CHANGE-REQUEST, RESPONSE-PORT and PADDING to a server that has two addresses, and
 * the verdicts drawn from where the answers came from and what they say. Each procedure
 * reports what it sees through `say` (the `turnpike natdiscovery` command prints it) and
 * returns its verdict; sockets are opened here and closed before it returns.
 */
import dgram from 'node:dgram';
import { decodeMessage, encodeMessage, formatAddress, getAttribute } from '../stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute, type TransportAddress } from '../stun/types.ts';
import { TurnpikeError } from '../errors.ts';
import { newTransactionId, UdpTransactions } from './transactions.ts';

/** Where the server is, where to send from, and how patiently. */
export interface DiscoveryOptions {
  server: { ip: string; port: number };
  /** local address to bind (`-L`); any address when undefined */
  localIp?: string;
  /** local port of the first socket (`-l`); 0 = any */
  localPort?: number;
  /** PADDING of this many bytes in every request (`-P`: 1500), 0 = none */
  padding: number;
  /** first retransmission timeout (ms) and number of sends (RFC 8489 §6.2.1) */
  rto: number;
  tries: number;
  /** one line of the report */
  say: (line: string) => void;
}

/** What one Binding answer said (RFC 5780 §6.1). */
export interface BindingResult {
  mapped: TransportAddress | undefined;
  origin: TransportAddress | undefined;
  other: TransportAddress | undefined;
  local: { address: string; port: number };
}

/** A verdict of §4.3/§4.4, or why none could be drawn. */
export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'no-answer' | 'no-rfc5780';

/** One UDP socket with its transaction table. */
class Probe {
  readonly socket: dgram.Socket;
  readonly tx: UdpTransactions;
  answers = 0;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    this.tx = new UdpTransactions(socket);
  }

  static async open(opts: DiscoveryOptions, localIp = opts.localIp, port = 0): Promise<Probe> {
    const v6 = opts.server.ip.includes(':');
    const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, localIp, () => resolve());
    });
    return new Probe(socket);
  }

  close(): void {
    this.tx.close();
    this.socket.close();
  }
}

function requestAttributes(opts: DiscoveryOptions, extra: StunAttribute[]): StunAttribute[] {
  return opts.padding > 0 ? [...extra, { type: Attr.Padding, value: new Uint8Array(opts.padding) }] : extra;
}

/** Sends one Binding request; the answer, reported as turnutils_natdiscovery does, or undefined. */
async function binding(probe: Probe, opts: DiscoveryOptions, to: { ip: string; port: number }, extra: StunAttribute[]): Promise<BindingResult | undefined> {
  let answer: DecodedStunMessage;
  try {
    const msg = { method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: requestAttributes(opts, extra) };
    answer = await probe.tx.request(msg, to.ip, to.port, {}, opts.rto, opts.tries);
  } catch (err) {
    if (!(err instanceof TurnpikeError)) throw err;
    opts.say('STUN receive timeout..');
    return undefined;
  }
  if (answer.class !== MessageClass.SuccessResponse) {
    const e = getAttribute(answer, Attr.ErrorCode);
    opts.say(`The response is an error ${e?.code ?? '?'} (${e?.reason ?? ''})`);
    return undefined;
  }
  return reportAnswer(probe, opts, answer);
}

function reportAnswer(probe: Probe, opts: DiscoveryOptions, answer: DecodedStunMessage): BindingResult {
  const xor = getAttribute(answer, Attr.XorMappedAddress);
  const plain = getAttribute(answer, Attr.MappedAddress);
  const local = probe.socket.address();
  const result: BindingResult = { mapped: xor ?? plain, origin: getAttribute(answer, Attr.ResponseOrigin), other: getAttribute(answer, Attr.OtherAddress), local };
  opts.say('');
  opts.say('========================================');
  opts.say(`RFC 5780 response ${++probe.answers}`);
  if (xor && plain) opts.say(xor.address === plain.address && xor.port === plain.port ? 'No ALG: Mapped == XOR-Mapped' : '-= ALG detected! Mapped and XOR-Mapped differ! =-');
  else if (!plain) opts.say('Not received mapped address attribute!');
  const family = result.mapped?.family ?? (local.family === 'IPv6' ? 'IPv6' : 'IPv4');
  if (result.origin) opts.say(`${family}. Response origin: ${formatAddress(result.origin)}`);
  if (result.other) opts.say(`${family}. Other addr: ${formatAddress(result.other)}`);
  if (result.mapped) opts.say(`${family}. UDP reflexive addr: ${formatAddress(result.mapped)}`);
  opts.say(`${family}. Local addr: ${formatAddress({ family, address: local.address, port: local.port })}`);
  return result;
}

function same(a: TransportAddress | undefined, b: TransportAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.address === b.address && a.port === b.port;
}

/** The verdict in turnutils_natdiscovery's words, between its rules. */
export function verdictLine(kind: 'Mapping' | 'Filtering', b: Behaviour): string | undefined {
  const words: Partial<Record<Behaviour, string>> = {
    'endpoint-independent': 'Endpoint Independent',
    'address-dependent': 'Address Dependent',
    'address-and-port-dependent': 'Address and Port Dependent',
  };
  return words[b] && `NAT with ${words[b]} ${kind}!`;
}

function decide(opts: DiscoveryOptions, kind: 'Mapping' | 'Filtering', b: Behaviour): Behaviour {
  const line = b === 'no-rfc5780' ? 'The server does not support RFC 5780 (no OTHER-ADDRESS in its answer)' : verdictLine(kind, b);
  if (line) {
    opts.say('');
    opts.say('========================================');
    opts.say(line);
    opts.say('========================================');
  }
  return b;
}

/** Test I, and "No NAT!" when the local address is its own reflexive address. */
async function testOne(probe: Probe, opts: DiscoveryOptions): Promise<BindingResult | undefined> {
  const first = await binding(probe, opts, opts.server, []);
  if (first?.mapped && first.local.address === first.mapped.address && first.local.port === first.mapped.port) {
    opts.say('');
    opts.say('========================================');
    opts.say('No NAT! (Endpoint Independent Mapping)');
    opts.say('========================================');
  }
  return first;
}

/** RFC 5780 §4.3: the same local port toward the primary, the alternate IP, then the alternate IP and port. */
export async function discoverMapping(opts: DiscoveryOptions): Promise<Behaviour> {
  const probe = await Probe.open(opts, opts.localIp, opts.localPort ?? 0);
  try {
    const first = await testOne(probe, opts);
    if (first === undefined) return 'no-answer';
    if (first.other === undefined) return decide(opts, 'Mapping', 'no-rfc5780');
    const second = await binding(probe, opts, { ip: first.other.address, port: opts.server.port }, []);
    if (second === undefined) return 'no-answer';
    if (same(first.mapped, second.mapped)) return decide(opts, 'Mapping', 'endpoint-independent');
    const third = await binding(probe, opts, { ip: first.other.address, port: first.other.port }, []);
    if (third === undefined) return 'no-answer';
    return decide(opts, 'Mapping', same(second.mapped, third.mapped) ? 'address-dependent' : 'address-and-port-dependent');
  } finally {
    probe.close();
  }
}

/** RFC 5780 §4.4: answers asked from the alternate IP and port, then from the alternate port only. */
export async function discoverFiltering(opts: DiscoveryOptions): Promise<Behaviour> {
  const probe = await Probe.open(opts, opts.localIp, 0);
  try {
    const first = await testOne(probe, opts);
    if (first === undefined) return 'no-answer';
    if (first.other === undefined) return decide(opts, 'Filtering', 'no-rfc5780');
    const change = (changeIp: boolean): StunAttribute[] => [{ type: Attr.ChangeRequest, value: { changeIp, changePort: true } }];
    if ((await binding(probe, opts, opts.server, change(true))) !== undefined) return decide(opts, 'Filtering', 'endpoint-independent');
    if ((await binding(probe, opts, opts.server, change(false))) !== undefined) return decide(opts, 'Filtering', 'address-dependent');
    return decide(opts, 'Filtering', 'address-and-port-dependent');
  } finally {
    probe.close();
  }
}

/**
 * Sends `bytes` from `from` (retransmitting as a request would) and resolves with the STUN
 * message carrying the same transaction id as soon as `to` receives one; undefined after the
 * last wait.
 */
function arrivesAt(to: Probe, from: Probe, opts: DiscoveryOptions, bytes: Uint8Array, dest: { ip: string; port: number }): Promise<DecodedStunMessage | undefined> {
  const tid = Buffer.from(bytes.subarray(8, 20));
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    let wait = opts.rto;
    to.tx.onOther = (msg) => {
      if (msg.length < 20 || !tid.equals(msg.subarray(8, 20))) return;
      clearTimeout(timer);
      to.tx.onOther = () => {};
      resolve(decodeOrUndefined(msg));
    };
    const send = (): void => {
      if (sent++ >= opts.tries) {
        to.tx.onOther = () => {};
        return resolve(undefined);
      }
      from.socket.send(bytes, dest.port, dest.ip);
      timer = setTimeout(send, wait);
      wait *= 2;
    };
    send();
  });
}

function decodeOrUndefined(msg: Buffer): DecodedStunMessage | undefined {
  const d = decodeMessage(msg);
  return d.ok ? d.value : undefined;
}

/** RFC 5780 §4.5: a request from a second socket to the first one's mapped address arrives, or not. */
export async function discoverHairpinning(opts: DiscoveryOptions): Promise<boolean | undefined> {
  const x = await Probe.open(opts, opts.localIp, 0);
  const y = await Probe.open(opts, opts.localIp, 0);
  try {
    const first = await binding(x, opts, opts.server, []);
    if (first?.mapped === undefined) return undefined;
    const bytes = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: requestAttributes(opts, []) });
    const got = await arrivesAt(x, y, opts, bytes, { ip: first.mapped.address, port: first.mapped.port });
    opts.say(got?.class === MessageClass.Request ? 'Received a request (maybe a successful hairpinning)' : 'No hairpinning: the request to the mapped address did not come back');
    return got?.class === MessageClass.Request;
  } finally {
    x.close();
    y.close();
  }
}

/** What §4.6 found: the longest wait after which the binding still answered, and the first that did not. */
export interface LifetimeResult {
  aliveAfterMs: number | undefined;
  goneAfterMs: number | undefined;
}

/**
 * RFC 5780 §4.6: a binding from socket X; after a wait, socket Y asks the server to answer to
 * X's mapped port (RESPONSE-PORT); X hearing it means the binding outlived the wait. Waits
 * double from `timerMs` up to `maxMs`, stopping at the first that the binding does not survive.
 */
export async function discoverLifetime(opts: DiscoveryOptions, timerMs: number, maxMs: number, sleep: (ms: number) => Promise<void>): Promise<LifetimeResult> {
  const result: LifetimeResult = { aliveAfterMs: undefined, goneAfterMs: undefined };
  const x = await Probe.open(opts, opts.localIp, opts.localPort ?? 0);
  try {
    for (let wait = timerMs; wait <= maxMs; wait *= 2) {
      const first = await binding(x, opts, opts.server, []);
      if (first?.mapped === undefined) break;
      await sleep(wait);
      const y = await Probe.open(opts, opts.localIp, 0);
      const bytes = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [{ type: Attr.ResponsePort, value: first.mapped.port }] });
      const got = await arrivesAt(x, y, opts, bytes, opts.server);
      y.close();
      if (got === undefined) {
        result.goneAfterMs = wait;
        opts.say(`Binding gone after ${wait / 1000} s`);
        break;
      }
      result.aliveAfterMs = wait;
      reportAnswer(x, opts, got);
      opts.say(`Binding alive after ${wait / 1000} s`);
      if (wait === 0) break;
    }
  } finally {
    x.close();
  }
  const { aliveAfterMs: alive, goneAfterMs: gone } = result;
  if (gone !== undefined) opts.say(`Mapping lifetime: between ${(alive ?? 0) / 1000} and ${gone / 1000} s`);
  else if (alive !== undefined) opts.say(`Mapping lifetime: at least ${alive / 1000} s (the longest wait tried)`);
  return result;
}

/** coturn's collision check: two local addresses with one port, both asking the server. */
export async function discoverCollision(opts: DiscoveryOptions, secondIp: string): Promise<void> {
  const a = await Probe.open(opts, opts.localIp, opts.localPort ?? 0);
  try {
    await binding(a, opts, opts.server, []);
    const b = await Probe.open(opts, secondIp, a.socket.address().port).catch(() => undefined);
    if (b === undefined) return opts.say(`Cannot bind ${secondIp}:${a.socket.address().port}`);
    try {
      await binding(b, opts, opts.server, []);
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}
