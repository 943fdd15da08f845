/**
 * An in-memory WebRTC stack behind the SFU's transport interface, for unit tests of rooms:
 * descriptions are recorded, offers and answers are stubs, media sections are the fakes of
 * `test/sfu/media/fakes.ts`, data channels are always open and keep what is sent on them.
 */
import type { Outcome } from '../../../src/sfu/types/outcome.ts';
import type { DataEndpoint, PeerTransport, SendTrackSpec, TransportEvents, TransportFactory } from '../../../src/sfu/transport/types.ts';
import { FakeReceiveTrack, FakeSendTrack } from '../media/fakes.ts';

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export class FakeDataEndpoint implements DataEndpoint {
  readonly label: string;
  readonly sent: (string | Uint8Array)[] = [];
  onOpen: (() => void) | undefined;
  onMessage: ((data: string | Buffer) => void) | undefined;
  onClose: (() => void) | undefined;
  constructor(label: string) {
    this.label = label;
  }
  isOpen(): boolean {
    return true;
  }
  send(data: string | Uint8Array): boolean {
    this.sent.push(data);
    return true;
  }
  close(): void {}
}

export class FakePeerTransport implements PeerTransport {
  readonly name: string;
  readonly events: TransportEvents = {};
  readonly remote: { sdp: string; type: 'offer' | 'answer' }[] = [];
  readonly sendTracks: FakeSendTrack[] = [];
  readonly receiveTracks = new Map<string, FakeReceiveTrack>();
  readonly channels: FakeDataEndpoint[] = [];
  offers = 0;
  closed = false;
  /** set when the transport restarts ICE in place (as the native path does) */
  readonly restartsIce?: boolean;
  readonly restartIce?: () => Outcome<void>;
  /** ICE restarts asked of this transport */
  iceRestarts = 0;
  constructor(name: string, o: { restartsIce?: boolean } = {}) {
    this.name = name;
    if (o.restartsIce) {
      this.restartsIce = true;
      this.restartIce = () => {
        this.iceRestarts++;
        return ok(undefined);
      };
    }
  }
  setRemoteDescription(sdp: string, type: 'offer' | 'answer'): Outcome<void> {
    this.remote.push({ sdp, type });
    return ok(undefined);
  }
  async createAnswer(): Promise<Outcome<string>> {
    return ok('v=0\r\n');
  }
  async createOffer(): Promise<Outcome<string>> {
    this.offers++;
    return ok('v=0\r\n');
  }
  addRemoteCandidate(): Outcome<void> {
    return ok(undefined);
  }
  signalingState(): string {
    return 'stable';
  }
  addSendTrack(spec: SendTrackSpec): Outcome<FakeSendTrack> {
    const t = new FakeSendTrack(spec.mid);
    this.sendTracks.push(t);
    return ok(t);
  }
  createDataChannel(label: string): Outcome<DataEndpoint> {
    const d = new FakeDataEndpoint(label);
    this.channels.push(d);
    return ok(d);
  }
  /** The stack reports an incoming media section (the publisher's first packets on it). */
  receive(mid: string, kind: 'audio' | 'video'): FakeReceiveTrack {
    const t = new FakeReceiveTrack(mid, kind);
    this.receiveTracks.set(mid, t);
    this.events.onTrack?.(t);
    return t;
  }
  close(): void {
    this.closed = true;
  }
}

/** Makes fake transports and keeps them by name (`<peer>/pub`, `<peer>/sub`). */
export class FakeTransports implements TransportFactory {
  readonly byName = new Map<string, FakePeerTransport>();
  readonly #o: { restartsIce?: boolean };
  /** `restartsIce`: transports restart ICE in place, as the native path's do */
  constructor(o: { restartsIce?: boolean } = {}) {
    this.#o = o;
  }
  create(name: string): FakePeerTransport {
    const t = new FakePeerTransport(name, this.#o);
    this.byName.set(name, t);
    return t;
  }
  get(name: string): FakePeerTransport {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no transport ${name}`);
    return t;
  }
}
