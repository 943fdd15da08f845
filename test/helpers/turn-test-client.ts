/**
 * A client of the TURN test bench (turn-harness.ts): builds requests and signs them with its
 * long-term key the way the RFC describes them, and reads what the core answered or relayed.
 */
import assert from 'node:assert/strict';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import {
  decodeChannelData,
  decodeMessage,
  encodeChannelData,
  encodeMessage,
  getAttribute,
  verifyMessageIntegrity,
} from '../../src/stun/index.ts';
import {
  Attr,
  MessageClass,
  Method,
  type DecodedStunMessage,
  type StunAttribute,
  type TransportAddress,
} from '../../src/stun/types.ts';
import type { Allocation } from '../../src/turn/allocation.ts';
import { seededRandom, type FakeTransport } from '../turn/fakes.ts';
import type { TurnHarness } from './turn-harness.ts';

/** IANA protocol numbers for REQUESTED-TRANSPORT (RFC 8656 §18.7). */
export const UDP = 17;
export const TCP = 6;

/** What a client received from the relay: ChannelData or a Data indication (RFC 8656 §11.4, §12.6). */
export type Relayed = { kind: 'channel'; number: number; data: Uint8Array } | { kind: 'data'; peer: TransportAddress; data: Uint8Array };

/** How a request is built. */
export interface RequestOptions {
  /** fixed transaction id (retransmissions reuse one) */
  tid?: Uint8Array;
  /** false: no USERNAME/REALM/NONCE/MESSAGE-INTEGRITY even when a nonce is known */
  sign?: boolean;
  fingerprint?: boolean;
  /** sign as another user of this bench */
  as?: { user: string; password: string };
}

/** A client of the bench: builds requests, signs them with its long-term key, reads answers. */
export class TestClient {
  readonly bench: TurnHarness;
  readonly transport: FakeTransport;
  readonly ip: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** REALM and NONCE from the last challenge (401 / 438) */
  realm: string | undefined;
  nonce: string | undefined;
  #read = 0;
  #tids = seededRandom(0);

  constructor(bench: TurnHarness, init: { transport: FakeTransport; ip: string; port: number; username: string; password: string }) {
    this.bench = bench;
    this.transport = init.transport;
    this.ip = init.ip;
    this.port = init.port;
    this.username = init.username;
    this.password = init.password;
    this.#tids = seededRandom(init.port * 31 + init.ip.length);
  }

  /** The long-term key (RFC 8489 §9.2.2) for the realm the server named. */
  get key(): Uint8Array {
    return longTermKey(this.username, this.realm ?? this.bench.realm, this.password);
  }

  /** The allocation of this client's 5-tuple, if any. */
  get allocation(): Allocation | undefined {
    return this.bench.core.findAllocation(this.transport, this.ip, this.port);
  }

  /** Everything the server sent to this client since the last call. */
  inbox(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const sent = this.transport.sent;
    for (; this.#read < sent.length; this.#read++) {
      const d = sent[this.#read];
      if (d.ip === this.ip && d.port === this.port) out.push(d.data);
    }
    return out;
  }

  /** Sends raw bytes as this client. */
  sendRaw(bytes: Uint8Array): void {
    this.bench.deliver(this.transport, this.ip, this.port, bytes);
  }

  /** A fresh transaction id. */
  newTid(): Uint8Array {
    return this.#tids(12);
  }

  /** The bytes of a request, signed (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) once a nonce is known. */
  build(method: number, attrs: StunAttribute[], opts: RequestOptions = {}): { bytes: Buffer; tid: Uint8Array } {
    const tid = opts.tid ?? this.newTid();
    const sign = opts.sign ?? this.nonce !== undefined;
    const attributes = [...attrs];
    let integrityKey: Uint8Array | undefined;
    if (sign) {
      const realm = this.realm ?? this.bench.realm;
      const user = opts.as?.user ?? this.username;
      attributes.push({ type: Attr.Username, value: user }, { type: Attr.Realm, value: realm }, { type: Attr.Nonce, value: this.nonce ?? '' });
      integrityKey = longTermKey(user, realm, opts.as?.password ?? this.password);
    }
    const bytes = encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes }, { integrityKey, fingerprint: opts.fingerprint });
    return { bytes, tid };
  }

  /**
   * Sends a request and returns the answer with its transaction id (undefined when none came:
   * a drop). A 401 or 438 answer's REALM and NONCE are kept for the next signed request.
   */
  request(method: number, attrs: StunAttribute[] = [], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    const { bytes, tid } = this.build(method, attrs, opts);
    this.inbox();
    this.sendRaw(bytes);
    const answers = this.inbox()
      .map((b) => decodeMessage(b))
      .filter((d) => d.ok && Buffer.from(d.value.transactionId).equals(Buffer.from(tid)))
      .map((d) => (d as { ok: true; value: DecodedStunMessage }).value);
    assert.ok(answers.length <= 1, `one answer per request, got ${answers.length}`);
    const answer = answers[0];
    if (answer !== undefined && answer.class === MessageClass.ErrorResponse) {
      const nonce = getAttribute(answer, Attr.Nonce);
      const realm = getAttribute(answer, Attr.Realm);
      if (nonce !== undefined) this.nonce = nonce;
      if (realm !== undefined) this.realm = realm;
    }
    return answer;
  }

  /** RFC 8489 §9.2.4: the first request goes unsigned and is challenged (401 with REALM and NONCE). */
  challenge(method: number = Method.Allocate): DecodedStunMessage {
    const answer = this.request(method, [{ type: Attr.RequestedTransport, value: UDP }], { sign: false });
    assert.ok(answer, 'the challenge is answered');
    assert.equal(errorCode(answer), 401);
    return answer;
  }

  /** RFC 8656 §7.1: Allocate (challenged first when no nonce is known yet), UDP relay unless attributes say otherwise. */
  allocate(attrs: StunAttribute[] = [{ type: Attr.RequestedTransport, value: UDP }], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    if (this.nonce === undefined && opts.sign !== false) this.challenge();
    return this.request(Method.Allocate, attrs, opts);
  }

  /** Allocate and insist on success; returns the allocation. */
  allocateOk(attrs?: StunAttribute[]): Allocation {
    const answer = this.allocate(attrs);
    assert.ok(answer, 'Allocate is answered');
    assert.equal(errorCode(answer), 0, `Allocate succeeds (got ${errorCode(answer)})`);
    assert.ok(this.allocation);
    return this.allocation;
  }

  /** RFC 8656 §7.3: Refresh, optionally with a LIFETIME. */
  refresh(lifetime?: number, opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(Method.Refresh, lifetime === undefined ? [] : [{ type: Attr.Lifetime, value: lifetime }], opts);
  }

  /** RFC 8656 §9.1: CreatePermission for one or several peers. */
  createPermission(peers: TransportAddress[], opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(Method.CreatePermission, peers.map((value) => ({ type: Attr.XorPeerAddress, value })), opts);
  }

  /** RFC 8656 §12.1: ChannelBind. */
  channelBind(number: number, peer: TransportAddress, opts: RequestOptions = {}): DecodedStunMessage | undefined {
    return this.request(
      Method.ChannelBind,
      [
        { type: Attr.ChannelNumber, value: number },
        { type: Attr.XorPeerAddress, value: peer },
      ],
      opts,
    );
  }

  /** RFC 8656 §11.1: a Send indication. */
  sendIndication(peer: TransportAddress, data: Uint8Array): void {
    const bytes = encodeMessage({
      method: Method.Send,
      class: MessageClass.Indication,
      transactionId: this.newTid(),
      attributes: [
        { type: Attr.XorPeerAddress, value: peer },
        { type: Attr.Data, value: data },
      ],
    });
    this.sendRaw(bytes);
  }

  /** RFC 8656 §12.4: a ChannelData message. */
  channelData(number: number, data: Uint8Array): void {
    this.sendRaw(encodeChannelData(number, data, false, 0x7fff));
  }

  /** What the relay delivered to this client since the last read, decoded. */
  relayed(): Relayed[] {
    const out: Relayed[] = [];
    for (const bytes of this.inbox()) {
      if (bytes[0] >= 0x40 && bytes[0] <= 0x7f) {
        const cd = decodeChannelData(bytes, 0x7fff);
        assert.ok(cd.ok, 'valid ChannelData');
        out.push({ kind: 'channel', number: cd.value.channelNumber, data: Uint8Array.from(cd.value.data) });
        continue;
      }
      const d = decodeMessage(bytes);
      assert.ok(d.ok, 'valid STUN');
      const m = d.value;
      assert.equal(m.method, Method.Data);
      assert.equal(m.class, MessageClass.Indication);
      out.push({ kind: 'data', peer: getAttribute(m, Attr.XorPeerAddress)!, data: Uint8Array.from(getAttribute(m, Attr.Data)!) });
    }
    return out;
  }

  /** True when the answer's MESSAGE-INTEGRITY checks out under this client's key. */
  verifies(answer: DecodedStunMessage): boolean {
    return verifyMessageIntegrity(answer, this.key);
  }
}

/** The ERROR-CODE of an answer, 0 for a success response. */
export function errorCode(msg: DecodedStunMessage): number {
  if (msg.class === MessageClass.SuccessResponse) return 0;
  const ec = getAttribute(msg, Attr.ErrorCode);
  assert.ok(ec, 'an error response carries ERROR-CODE');
  return ec.code;
}

/** A peer transport address (documentation prefix unless given). */
export function peer(address = '203.0.113.5', port = 5000): TransportAddress {
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}

/** Bytes of a given text, for payloads. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
