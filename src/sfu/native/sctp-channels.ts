/**
 * Data channels of one native peer connection: the sans-IO SCTP association and channel layer
 * (`../sctp/`, RFC 9260, RFC 8831, RFC 8832) wired to the connection's DTLS (RFC 8261), with
 * each channel seen through the transport seam's {@link DataEndpoint}. Text stays text, binary
 * stays binary.
 */
import { randomBytes } from 'node:crypto';
import { DataChannels, SctpAssociation, type DataChannel } from '../sctp/index.ts';
import type { DataEndpoint } from '../transport/types.ts';

/** One data channel as rooms see it; made before SCTP is up, it is bound when it is. */
export class SctpChannel implements DataEndpoint {
  readonly label: string;
  onOpen: (() => void) | undefined;
  onMessage: ((data: string | Buffer) => void) | undefined;
  onClose: (() => void) | undefined;
  #ch: DataChannel | undefined;
  #flush: () => void = () => {};
  #closed = false;

  constructor(label: string) {
    this.label = label;
  }

  /** @internal the SCTP channel behind this one, and how to push what it queues */
  bind(ch: DataChannel, flush: () => void): void {
    this.#ch = ch;
    this.#flush = flush;
    ch.onOpen = () => this.onOpen?.();
    ch.onMessage = (d) => this.onMessage?.(typeof d === 'string' ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    ch.onClose = () => {
      this.#closed = true;
      this.onClose?.();
    };
    if (this.#closed) ch.close();
  }

  isOpen(): boolean {
    return !this.#closed && this.#ch?.state === 'open';
  }

  send(data: string | Uint8Array): boolean {
    if (!this.#ch || this.#closed) return false;
    const r = this.#ch.send(data);
    this.#flush();
    return r.ok;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ch?.close();
    this.#flush();
  }
}

/** What the channels need from their connection. */
export interface SctpChannelsOptions {
  readonly dtlsRole: 'client' | 'server';
  /** one SCTP packet to encrypt and send as a DTLS record */
  readonly send: (packet: Uint8Array) => void;
  /** a channel the peer opened */
  readonly onChannel: (ch: SctpChannel) => void;
  readonly now: () => number;
}

/** The association and channels of one connection. */
export class SctpChannels {
  readonly #o: SctpChannelsOptions;
  readonly #assoc: SctpAssociation;
  readonly #channels: DataChannels;
  #closed = false;

  /** A channel asked for before SCTP is up; `adopt` binds it. */
  static pending(label: string): SctpChannel {
    return new SctpChannel(label);
  }

  constructor(o: SctpChannelsOptions) {
    this.#o = o;
    this.#assoc = new SctpAssociation({ random: (n) => randomBytes(n) });
    this.#channels = new DataChannels(this.#assoc, { dtlsRole: o.dtlsRole });
    this.#channels.onChannel = (ch) => {
      const c = new SctpChannel(ch.label);
      c.bind(ch, () => this.flush());
      o.onChannel(c);
    };
  }

  /** Starts the association (both ends send INIT in WebRTC; RFC 9260 §5.2 sorts it out). */
  start(): void {
    this.#assoc.connect(this.#o.now());
    this.flush();
  }

  open(label: string): SctpChannel {
    const c = new SctpChannel(label);
    this.adopt(c);
    return c;
  }

  adopt(c: SctpChannel): void {
    c.bind(this.#channels.open(c.label), () => this.flush());
    this.flush();
  }

  /** One SCTP packet from DTLS. */
  receive(packet: Uint8Array, nowMs: number): void {
    if (this.#closed) return;
    this.#assoc.handlePacket(packet, nowMs);
    this.flush();
  }

  tick(nowMs: number): void {
    if (this.#closed) return;
    const d = this.#assoc.nextDeadline();
    if (d !== undefined && d <= nowMs) this.#assoc.handleTimeout(nowMs);
    this.flush();
  }

  flush(): void {
    if (this.#closed) return;
    for (const p of this.#assoc.pollTransmit(this.#o.now())) this.#o.send(p);
  }

  close(): void {
    if (this.#closed) return;
    this.#assoc.abort();
    this.flush();
    this.#closed = true;
  }
}
