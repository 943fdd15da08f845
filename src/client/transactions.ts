/**
 * Client-side STUN transactions (RFC 8489 §6.2): send a request, retransmit it over UDP with a
 * doubling RTO (§6.2.1) or send it once over TCP and wait (§6.2.2), and match the answer by
 * transaction id. Used by the `stunclient` and `uclient` utilities; one table per socket or
 * connection, many transactions in flight.
 */
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { decodeMessage, encodeMessage, type EncodeOptions } from '../stun/index.ts';
import type { DecodedStunMessage, StunMessage } from '../stun/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';

interface Pending {
  resolve(m: DecodedStunMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** A fresh 12-byte transaction id (RFC 8489 §5: chosen uniformly at random). */
export function newTransactionId(): Uint8Array {
  return randomBytes(12);
}

/** Retransmission settings of one request (RFC 8489 §6.2.1: RTO, Rc). */
export interface RetransmitOptions {
  /** first retransmission timeout in ms (RFC 8489 §6.2.1 recommends 500 ms on the Internet) */
  rto?: number;
  /** how many times the request is sent over UDP at most (Rc, 7 in RFC 8489) */
  tries?: number;
}

/** What identifies an answer: the transaction id in header bytes 8..20, as hex. */
function transactionKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/**
 * The table of requests waiting for an answer on one socket or connection. `handle` is fed
 * every incoming STUN response; the caller decides how bytes are carried.
 */
export class ClientTransactions {
  readonly #pending = new Map<string, Pending>();
  readonly #reliable: boolean;

  /** `reliable` is true over TCP/TLS: no retransmission, one long timeout (RFC 8489 §6.2.2). */
  constructor(reliable: boolean) {
    this.#reliable = reliable;
  }

  /** How many requests are waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Offers an incoming datagram or frame. True when it was the success or error response of
   * a waiting request (and has been delivered); false for anything else.
   */
  handle(msg: Uint8Array): boolean {
    // RFC 8489 §5: responses have class bit C1 set, i.e. bit 0x01 of the first byte.
    if (msg.length < 20 || msg[0] > 3 || (msg[0] & 0x01) !== 0x01) return false;
    const key = Buffer.from(msg.buffer, msg.byteOffset + 8, 12).toString('hex');
    const p = this.#pending.get(key);
    if (p === undefined) return false;
    const d = decodeMessage(msg);
    if (!d.ok) return false;
    this.#pending.delete(key);
    clearTimeout(p.timer);
    p.resolve(d.value);
    return true;
  }

  /**
   * Sends `msg` through `transmit` and resolves with the answer, success or error response.
   * Rejects with a TurnpikeError TIMEOUT when no answer comes: over UDP after `tries` sends
   * spaced rto, 2·rto, 4·rto…; over a reliable transport after the same total time.
   */
  request(msg: StunMessage, transmit: (bytes: Buffer) => void, opts: EncodeOptions = {}, retransmit: RetransmitOptions = {}): Promise<DecodedStunMessage> {
    const rto = retransmit.rto ?? 500;
    const tries = retransmit.tries ?? 7;
    const bytes = encodeMessage(msg, opts);
    const key = transactionKey(msg.transactionId);
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined };
      this.#pending.set(key, entry);
      const timeout = (): void => {
        this.#pending.delete(key);
        reject(new TurnpikeError(ErrorCode.TIMEOUT, `sent ${tries} times, no answer`));
      };
      if (this.#reliable) {
        transmit(bytes);
        entry.timer = setTimeout(timeout, rto * (2 ** tries - 1));
        return;
      }
      let sent = 0;
      let wait = rto;
      const send = (): void => {
        if (sent++ >= tries) return timeout();
        transmit(bytes);
        entry.timer = setTimeout(send, wait);
        wait *= 2;
      };
      send();
    });
  }

  /** Rejects everything still waiting with `reason` ('closed' by default); the table stays usable. */
  close(reason = 'closed'): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new TurnpikeError(ErrorCode.TIMEOUT, reason));
    }
    this.#pending.clear();
  }
}

/** Matches answers to requests on one UDP socket. Other datagrams go to `onOther`. */
export class UdpTransactions {
  readonly #socket: dgram.Socket;
  readonly #table = new ClientTransactions(false);
  onOther: (msg: Buffer, rinfo: dgram.RemoteInfo) => void = () => {};

  constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => {
      if (!this.#table.handle(msg)) this.onOther(msg, rinfo);
    });
  }

  /** Sends `msg` to host:port and resolves with the answer (success or error response). */
  request(msg: StunMessage, host: string, port: number, opts: EncodeOptions = {}, rto = 500, tries = 7): Promise<DecodedStunMessage> {
    return this.#table
      .request(msg, (bytes) => this.#socket.send(bytes, port, host), opts, { rto, tries })
      .catch((err: unknown) => {
        if (err instanceof TurnpikeError && err.message !== 'closed') {
          throw new TurnpikeError(ErrorCode.TIMEOUT, `no answer from ${host}:${port} after ${tries} tries`);
        }
        throw err;
      });
  }

  /** Rejects everything still waiting. */
  close(): void {
    this.#table.close();
  }
}
