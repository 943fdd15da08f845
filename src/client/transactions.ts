/**
 * Client-side STUN transactions over UDP (RFC 8489 §6.2.1): send a request, retransmit with
 * a doubling RTO, match the answer by transaction id. Used by the `stunclient` and `uclient`
 * utilities; one instance per socket, many transactions in flight.
 */
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { decodeMessage, encodeMessage, type EncodeOptions } from '../stun/index.ts';
import type { DecodedStunMessage, StunMessage } from '../stun/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';

interface Pending {
  resolve(m: DecodedStunMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** A fresh 12-byte transaction id. */
export function newTransactionId(): Uint8Array {
  return randomBytes(12);
}

/** Matches answers to requests on one UDP socket. Other datagrams go to `onOther`. */
export class UdpTransactions {
  readonly #socket: dgram.Socket;
  readonly #pending = new Map<string, Pending>();
  onOther: (msg: Buffer, rinfo: dgram.RemoteInfo) => void = () => {};

  constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => {
      const first = msg[0];
      if (first <= 3 && msg.length >= 20 && (msg[0] & 0x01) === 0x01) {
        const key = msg.subarray(8, 20).toString('hex');
        const p = this.#pending.get(key);
        if (p) {
          const d = decodeMessage(msg);
          if (d.ok) {
            this.#pending.delete(key);
            clearTimeout(p.timer);
            p.resolve(d.value);
            return;
          }
        }
      }
      this.onOther(msg, rinfo);
    });
  }

  /** Sends `msg` to host:port and resolves with the answer (success or error response). */
  request(msg: StunMessage, host: string, port: number, opts: EncodeOptions = {}, rto = 500, tries = 7): Promise<DecodedStunMessage> {
    const bytes = encodeMessage(msg, opts);
    const key = Buffer.from(msg.transactionId).toString('hex');
    return new Promise((resolve, reject) => {
      let n = 0;
      let wait = rto;
      const send = (): void => {
        if (n++ >= tries) {
          this.#pending.delete(key);
          reject(new TurnpikeError(ErrorCode.TIMEOUT, `no answer from ${host}:${port} after ${tries} tries`));
          return;
        }
        this.#socket.send(bytes, port, host);
        const p = this.#pending.get(key);
        if (p) p.timer = setTimeout(send, wait);
        wait *= 2;
      };
      this.#pending.set(key, { resolve, reject, timer: setTimeout(() => {}, 0) });
      send();
    });
  }

  /** Rejects everything still waiting. */
  close(): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new TurnpikeError(ErrorCode.TIMEOUT, 'closed'));
    }
    this.#pending.clear();
  }
}
