/**
 * WebRTC data channels over one SCTP association (RFC 8831), opened in-band with DCEP
 * (RFC 8832) or negotiated out of band, closed by resetting their stream in both directions
 * (RFC 8831 §6.7). Sans-IO like the association beneath it.
 */
import type { PublicState, SctpAssociation, SendResult } from './association.ts';
import { ChannelType, Ppid, decodeDcep, encodeDcep, type DataChannelOpen } from './dcep.ts';

export interface DataChannelInit {
  ordered?: boolean;
  maxRetransmits?: number;
  /** Milliseconds (RTCDataChannelInit's name). */
  maxPacketLifeTime?: number;
  protocol?: string;
  /** Agreed out of band: no DCEP, `id` required. */
  negotiated?: boolean;
  id?: number;
  priority?: number;
}

export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed';

/** What a channel needs from its owner. */
interface ChannelHost {
  sendOn(ch: DataChannel, ppid: number, payload: Uint8Array): SendResult;
  closeChannel(ch: DataChannel): void;
  buffered(id: number): number;
}

/** One data channel, on one SCTP stream id in both directions. */
export class DataChannel {
  readonly id: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
  readonly negotiated: boolean;
  readonly priority: number;
  state: DataChannelState = 'connecting';
  /** The peer has answered DATA_CHANNEL_OPEN (or no DCEP is needed). */
  acked: boolean;
  onMessage: (data: string | Uint8Array) => void = () => {};
  onClose: () => void = () => {};
  private openHandler: () => void = () => {};
  private openFired = false;
  /** @internal */ outgoingReset = false;
  /** @internal */ incomingReset = false;
  /** @internal Deprecated partial messages (PPID 52/54) gathered until the last part. */ partial: Uint8Array[] = [];
  private readonly host: ChannelHost;

  constructor(host: ChannelHost, id: number, label: string, init: DataChannelInit) {
    this.host = host;
    this.id = id;
    this.label = label;
    this.protocol = init.protocol ?? '';
    this.ordered = init.ordered ?? true;
    this.maxRetransmits = init.maxRetransmits;
    this.maxPacketLifeTime = init.maxPacketLifeTime;
    this.negotiated = init.negotiated ?? false;
    this.priority = init.priority ?? 256;
    this.acked = this.negotiated;
  }

  /** Called when the channel opens; set on an already open channel, it is called at once. */
  get onOpen(): () => void {
    return this.openHandler;
  }
  set onOpen(f: () => void) {
    this.openHandler = f;
    if (this.openFired) f();
  }

  /** @internal */
  markOpen(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.openFired = true;
    this.openHandler();
  }

  /** Strings go as PPID 51 (56 when empty), bytes as 53 (57 when empty) (RFC 8831 §6.6). */
  send(data: string | Uint8Array): SendResult {
    if (this.state !== 'open') return { ok: false, reason: 'not-established' };
    if (typeof data === 'string') {
      if (data.length === 0) return this.host.sendOn(this, Ppid.stringEmpty, Uint8Array.of(0));
      return this.host.sendOn(this, Ppid.string, new TextEncoder().encode(data));
    }
    if (data.length === 0) return this.host.sendOn(this, Ppid.binaryEmpty, Uint8Array.of(0));
    return this.host.sendOn(this, Ppid.binary, data);
  }

  /** Bytes queued and not yet sent. */
  get bufferedAmount(): number {
    return this.host.buffered(this.id);
  }

  /** Resets the outgoing stream; closed once the peer has reset its side too. */
  close(): void {
    this.host.closeChannel(this);
  }
}

/** The channel type and reliability parameter of DATA_CHANNEL_OPEN (RFC 8832 §5.1). */
function channelType(ch: DataChannel): { channelType: number; reliability: number } {
  const u = ch.ordered ? 0 : 0x80;
  if (ch.maxRetransmits !== undefined) return { channelType: ChannelType.partialRexmit | u, reliability: ch.maxRetransmits };
  if (ch.maxPacketLifeTime !== undefined) return { channelType: ChannelType.partialTimed | u, reliability: ch.maxPacketLifeTime };
  return { channelType: ChannelType.reliable | u, reliability: 0 };
}

function initFromOpen(m: DataChannelOpen): DataChannelInit {
  const init: DataChannelInit = { ordered: (m.channelType & 0x80) === 0, protocol: m.protocol, priority: m.priority };
  if ((m.channelType & 0x7f) === ChannelType.partialRexmit) init.maxRetransmits = m.reliability;
  if ((m.channelType & 0x7f) === ChannelType.partialTimed) init.maxPacketLifeTime = m.reliability;
  return init;
}

export class DataChannels {
  /** A channel the peer opened with DATA_CHANNEL_OPEN. */
  onChannel: (ch: DataChannel) => void = () => {};
  /** The association's state, passed on (this layer takes the association's callbacks). */
  onStateChange: (state: PublicState) => void = () => {};
  readonly stats = { unknownStream: 0, badDcep: 0, refusedOpen: 0 };
  private readonly assoc: SctpAssociation;
  private readonly channels = new Map<number, DataChannel>();
  private readonly firstId: number;
  private established = false;
  private closed = false;
  private readonly host: ChannelHost;

  /** The DTLS client uses even stream ids, the server odd ones (RFC 8832 §6). */
  constructor(assoc: SctpAssociation, opts: { dtlsRole: 'client' | 'server' }) {
    this.assoc = assoc;
    this.firstId = opts.dtlsRole === 'client' ? 0 : 1;
    this.host = {
      sendOn: (ch, ppid, payload) => this.sendOn(ch, ppid, payload),
      closeChannel: (ch) => this.closeChannel(ch),
      buffered: (id) => this.assoc.bufferedAmount(id),
    };
    assoc.onMessage = (s, ppid, data) => this.onMessage(s, ppid, data);
    assoc.onStateChange = (state) => {
      if (state === 'established') this.onEstablished();
      if (state === 'closed') {
        this.established = false;
        this.closed = true;
        for (const ch of [...this.channels.values()]) this.finish(ch);
      }
      this.onStateChange(state);
    };
    assoc.onStreamReset = (ids, direction) => this.onStreamReset(ids, direction);
  }

  /** Opens a channel; throws RangeError when a negotiated id is taken or out of range. */
  open(label: string, init: DataChannelInit = {}): DataChannel {
    const id = init.negotiated ? init.id : this.freeId();
    if (id === undefined || id < 0 || id > 65534 || !Number.isInteger(id) || this.channels.has(id)) throw new RangeError(`stream id ${String(id)} unavailable`);
    const ch = new DataChannel(this.host, id, label, init);
    if (this.closed) {
      ch.state = 'closed';
      return ch;
    }
    this.channels.set(id, ch);
    if (this.established) this.announce(ch);
    return ch;
  }

  get(id: number): DataChannel | undefined {
    return this.channels.get(id);
  }

  private freeId(): number | undefined {
    for (let id = this.firstId; id <= 65534; id += 2) if (!this.channels.has(id)) return id;
    return undefined;
  }

  private onEstablished(): void {
    this.established = true;
    for (const ch of this.channels.values()) this.announce(ch);
  }

  /** Sends DATA_CHANNEL_OPEN, ordered and reliable (RFC 8832 §6), unless negotiated. */
  private announce(ch: DataChannel): void {
    if (ch.state !== 'connecting') return;
    if (!ch.negotiated) {
      const t = channelType(ch);
      const open = encodeDcep({ type: 'open', ...t, priority: ch.priority, label: ch.label, protocol: ch.protocol });
      if (!this.assoc.send(ch.id, Ppid.dcep, open, { ordered: true }).ok) return this.finish(ch);
    }
    ch.markOpen();
  }

  /** Until the DATA_CHANNEL_ACK arrives, messages go ordered (RFC 8832 §6). */
  private sendOn(ch: DataChannel, ppid: number, payload: Uint8Array): SendResult {
    return this.assoc.send(ch.id, ppid, payload, {
      ordered: ch.ordered || !ch.acked,
      maxRetransmits: ch.maxRetransmits,
      maxLifetimeMs: ch.maxPacketLifeTime,
    });
  }

  private onMessage(streamId: number, ppid: number, data: Uint8Array): void {
    if (ppid === Ppid.dcep) return this.onDcep(streamId, data);
    const ch = this.channels.get(streamId);
    if (!ch || (ch.state !== 'open' && ch.state !== 'closing')) {
      this.stats.unknownStream++;
      return;
    }
    // Any message from the peer on the stream implies it has the channel (RFC 8832 §6).
    ch.acked = true;
    const text = (parts: Uint8Array[]): string => new TextDecoder().decode(join(parts));
    switch (ppid) {
      case Ppid.string:
        ch.onMessage(text([...ch.partial.splice(0), data]));
        return;
      case Ppid.binary:
        ch.onMessage(join([...ch.partial.splice(0), data]));
        return;
      case Ppid.stringPartial:
      case Ppid.binaryPartial:
        ch.partial.push(data);
        return;
      case Ppid.stringEmpty:
        ch.onMessage('');
        return;
      case Ppid.binaryEmpty:
        ch.onMessage(new Uint8Array(0));
        return;
    }
  }

  private onDcep(streamId: number, data: Uint8Array): void {
    const d = decodeDcep(data);
    if (!d.ok) {
      this.stats.badDcep++;
      return;
    }
    if (d.value.type === 'ack') {
      const ch = this.channels.get(streamId);
      if (ch) ch.acked = true;
      return;
    }
    // RFC 8832 §6: the opener uses ids of its own parity; refuse a clash with a channel here.
    if (this.channels.has(streamId)) {
      this.stats.refusedOpen++;
      return;
    }
    const ch = new DataChannel(this.host, streamId, d.value.label, initFromOpen(d.value));
    ch.acked = true;
    this.channels.set(streamId, ch);
    this.assoc.send(streamId, Ppid.dcep, encodeDcep({ type: 'ack' }), { ordered: true });
    ch.markOpen();
    this.onChannel(ch);
  }

  private closeChannel(ch: DataChannel): void {
    if (ch.state === 'closing' || ch.state === 'closed') return;
    if (!this.established || ch.state === 'connecting') return this.finish(ch);
    ch.state = 'closing';
    this.assoc.resetStreams([ch.id]);
  }

  private onStreamReset(ids: number[], direction: 'incoming' | 'outgoing'): void {
    for (const id of ids) {
      const ch = this.channels.get(id);
      if (!ch) continue;
      if (direction === 'outgoing') ch.outgoingReset = true;
      else {
        ch.incomingReset = true;
        // The peer closed: reset our side as well (RFC 8831 §6.7).
        if (ch.state === 'open') {
          ch.state = 'closing';
          this.assoc.resetStreams([id]);
        }
      }
      if (ch.outgoingReset && ch.incomingReset) this.finish(ch);
    }
  }

  private finish(ch: DataChannel): void {
    if (ch.state === 'closed') return;
    ch.state = 'closed';
    this.channels.delete(ch.id);
    ch.onClose();
  }
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}
