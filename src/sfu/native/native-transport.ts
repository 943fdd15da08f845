/**
 * One peer connection on the native media path (docs/sfu.md, "The native media path"): the SFU
 * writes its own SDP (`sdp-answer.ts`, `sdp-offer.ts`), answers ICE checks as a lite agent
 * (`ice-lite.ts`), drives the DTLS-SRTP handshake (`dtls-srtp.ts`), runs SCTP and data channels
 * over it (`../sctp/`), and hands the keys and the media sections to the media worker's router.
 * RTP never reaches this object. Implements the same {@link PeerTransport} as the WebRTC stack.
 */
import { randomBytes } from 'node:crypto';
import type { Outcome } from '../types/outcome.ts';
import type {
  DataEndpoint,
  PeerTransport,
  SendTrack,
  SendTrackSpec,
  TransportEvents,
  TransportState,
} from '../transport/types.ts';
import type { DtlsConnection, DtlsResult, SrtpKeys } from './dtls-srtp.ts';
import type { IceAddress } from './ice-lite.ts';
import { IceLiteAgent } from './ice-lite.ts';
import { NativeReceiveTrack, NativeSendTrack } from './native-tracks.ts';
import { answerPublisherOffer, type AcceptedMedia } from './sdp-answer.ts';
import { readRemoteTransport, type DtlsRole, type LocalTransport, type RemoteTransport, type SessionVersion } from './sdp-lines.ts';
import { parseSdp } from '../sdp/sdp.ts';
import { parseSubscriberAnswer, writeSubscriberOffer, type SubscriberSection } from './sdp-offer.ts';
import { SctpChannels, type SctpChannel } from './sctp-channels.ts';
import type { NativeHub } from './native-hub.ts';

/**
 * A subscriber offer's m= section. A closed one is `offered` once an offer has carried it
 * closed, and `settled` once the client has answered that offer: only then may a new track
 * take its place (RFC 8829 §5.2.2, recycling with a new MID).
 */
type Section =
  | { kind: 'media'; spec: SendTrackSpec; track: NativeSendTrack }
  | { kind: 'closed'; spec: SendTrackSpec; offered: boolean; settled: boolean }
  | { kind: 'data'; mid: string };

const ok: Outcome<void> = { ok: true, value: undefined };
/** How long media waits after the SFU, as DTLS server, completes the handshake (see `#apply`). */
const SERVER_MEDIA_DELAY_MS = 50;

/** A peer connection whose media the media worker carries. */
export class NativeTransport implements PeerTransport {
  readonly events: TransportEvents = {};
  readonly demuxesByMid = true;
  readonly restartsIce = true;
  readonly sendsTransportFeedback = true;
  readonly name: string;
  readonly connId: number;
  readonly agent: IceLiteAgent;
  readonly #hub: NativeHub;
  readonly #sessionId: string;
  #sessionVersion = 1;
  #signaling: 'stable' | 'have-remote-offer' | 'have-local-offer' = 'stable';
  #remote: RemoteTransport | undefined;
  #dtlsRole: DtlsRole | undefined;
  #dtls: DtlsConnection | undefined;
  #srtpUp = false;
  /** DTLS connected (SCTP may start; media waits for `#srtpUp`) */
  #dtlsUp = false;
  /** DTLS failed or closed: no timer to run */
  #dtlsDone = false;
  /** whether DTLS-SRTP is up (the router may send) */
  get srtpUp(): boolean {
    return this.#srtpUp;
  }
  #state: TransportState = 'new';
  #pendingOffer: string | undefined;
  /** publisher side: mid → up-stream id of sections already handed to the router */
  readonly #ups = new Map<string, number>();
  /** subscriber side: the sections of every offer, in m= line order */
  readonly #sections: Section[] = [];
  #hasData = false;
  #channels: SctpChannels | undefined;
  /** channels asked for before SCTP was up */
  readonly #queued: SctpChannel[] = [];
  #closed = false;

  constructor(hub: NativeHub, name: string) {
    this.#hub = hub;
    this.name = name;
    this.connId = hub.control.allocateId();
    this.agent = new IceLiteAgent({ nowMs: hub.now(), disconnectedMs: hub.timeouts.disconnectedMs, failedMs: hub.timeouts.failedMs });
    this.#sessionId = BigInt.asUintN(62, randomBytes(8).readBigUInt64BE()).toString();
    hub.attach(this);
  }

  #local(): LocalTransport {
    return { ice: this.agent.local, fingerprint: this.#hub.fingerprint, candidates: this.#hub.candidates };
  }

  /** RFC 8829 §5.2.1: the o= line's version grows with every description. */
  #nextSession(): SessionVersion {
    return { id: this.#sessionId, version: this.#sessionVersion++ };
  }

  signalingState(): string {
    return this.#signaling;
  }

  setRemoteDescription(sdp: string, type: 'offer' | 'answer'): Outcome<void> {
    if (this.#closed) return { ok: false, error: 'the connection is closed' };
    if (type === 'offer') {
      if (this.#signaling === 'have-local-offer') return { ok: false, error: 'an offer is outstanding (glare)' };
      // New credentials from the peer: an ICE restart (RFC 8445 §9). Ours change too, before
      // the answer is written; DTLS and SRTP stay.
      const before = this.#remote?.ice;
      const next = readRemoteTransport(parseSdp(sdp));
      if (before && next.ufrag !== undefined && (before.ufrag !== next.ufrag || before.pwd !== next.pwd)) {
        this.agent.restart(this.#hub.now());
        this.#hub.updateAgent(this);
      }
      // Checked now, as a WebRTC stack checks a remote description when it is set.
      const check = answerPublisherOffer(sdp, { local: this.#local(), session: { id: this.#sessionId, version: this.#sessionVersion }, transportCc: true });
      if (!check.ok) return { ok: false, error: `setting remote description: ${check.error}` };
      this.#pendingOffer = sdp;
      this.#signaling = 'have-remote-offer';
      return ok;
    }
    if (this.#signaling !== 'have-local-offer') return { ok: false, error: 'no offer to answer' };
    const a = parseSubscriberAnswer(sdp);
    if (!a.ok) return { ok: false, error: `setting remote description: ${a.error}` };
    this.#signaling = 'stable';
    // The client now holds every section the offer carried closed as closed: free to recycle.
    for (const s of this.#sections) if (s.kind === 'closed' && s.offered) s.settled = true;
    this.#setRemote(a.value.remote, a.value.dtlsRole);
    return ok;
  }

  #setRemote(remote: RemoteTransport, role: DtlsRole): void {
    this.#remote = remote;
    this.agent.setRemoteCredentials(remote.ice);
    this.#hub.updateAgent(this);
    if (this.#dtlsRole === undefined) {
      this.#dtlsRole = role;
      this.#startDtls();
    }
  }

  async createAnswer(): Promise<Outcome<string>> {
    const offer = this.#pendingOffer;
    if (offer === undefined || this.#signaling !== 'have-remote-offer') return { ok: false, error: 'no remote offer to answer' };
    const r = answerPublisherOffer(offer, { local: this.#local(), session: this.#nextSession(), transportCc: true });
    if (!r.ok) return r;
    this.#pendingOffer = undefined;
    this.#signaling = 'stable';
    const hadData = this.#hasData;
    this.#hasData = r.value.data !== undefined;
    this.#setRemote(r.value.remote, r.value.dtlsRole);
    this.#hub.connSpec(this.connId, r.value.media);
    for (const m of r.value.media) if (m.direction === 'recvonly' && !this.#ups.has(m.mid)) this.#addUp(m);
    if (this.#hasData && !hadData) this.#maybeStartSctp();
    return { ok: true, value: r.value.sdp };
  }

  #addUp(m: AcceptedMedia): void {
    const up = this.#hub.upAdd(this.connId, m);
    if (up === undefined) return;
    this.#ups.set(m.mid, up);
    const rx = new NativeReceiveTrack(m.mid, m.kind, up, this.#hub.control);
    this.events.onTrack?.(rx);
  }

  restartIce(): Outcome<void> {
    if (this.#closed) return { ok: false, error: 'the connection is closed' };
    if (this.#remote === undefined) return { ok: false, error: 'no remote description yet: nothing to restart' };
    this.agent.restart(this.#hub.now());
    this.#hub.updateAgent(this);
    return ok;
  }

  async createOffer(): Promise<Outcome<string>> {
    if (this.#closed) return { ok: false, error: 'the connection is closed' };
    if (this.#signaling === 'have-remote-offer') return { ok: false, error: 'a remote offer is being answered' };
    for (const s of this.#sections) if (s.kind === 'closed') s.offered = true;
    const sections: SubscriberSection[] = this.#sections.map((s) => (s.kind === 'data' ? { kind: 'data', mid: s.mid } : { kind: s.kind, spec: s.spec }));
    const sdp = writeSubscriberOffer({ local: this.#local(), session: this.#nextSession(), sections });
    this.#signaling = 'have-local-offer';
    return { ok: true, value: sdp };
  }

  addRemoteCandidate(): Outcome<void> {
    // ICE-lite: the client's checks come to the SFU's port; its candidates are not needed.
    return ok;
  }

  addSendTrack(spec: SendTrackSpec): Outcome<SendTrack> {
    if (this.#closed) return { ok: false, error: 'the connection is closed' };
    // A section closed and answered so takes the new track (with its new MID), so a long room
    // with people coming and going does not grow its subscribers' descriptions without end.
    const free = this.#sections.findIndex((s) => s.kind === 'closed' && s.settled && s.spec.codec.kind === spec.codec.kind);
    const index = free >= 0 ? free : this.#sections.length;
    const track: NativeSendTrack = new NativeSendTrack(spec, this.connId, this.#hub.control, () => {
      const s = this.#sections[index];
      if (s?.kind === 'media' && s.track === track) this.#sections[index] = { kind: 'closed', spec, offered: false, settled: false };
    });
    this.#sections[index] = { kind: 'media', spec, track };
    return { ok: true, value: track };
  }

  createDataChannel(label: string): Outcome<DataEndpoint> {
    if (this.#closed) return { ok: false, error: 'the connection is closed' };
    if (!this.#hasData && !this.#sections.some((s) => s.kind === 'data')) {
      // The first channel adds the application section to the next offer.
      const taken = new Set(this.#sections.map((s) => (s.kind === 'data' ? s.mid : s.spec.mid)));
      this.#sections.push({ kind: 'data', mid: taken.has(String(this.#sections.length)) ? 'data' : String(this.#sections.length) });
      this.#hasData = true;
    }
    const ch = this.#channels ? this.#channels.open(label) : SctpChannels.pending(label);
    if (!this.#channels) this.#queued.push(ch);
    return { ok: true, value: ch };
  }

  // --- driven by the hub -------------------------------------------------------------------

  /** A STUN check answered by the agent moved the selected pair. */
  onSelected(from: IceAddress): void {
    this.#hub.connAddress(this.connId, from);
    if (this.#state === 'new') this.#setState('connecting');
    this.#startDtls();
  }

  /** A DTLS datagram from the selected address. */
  onDtls(datagram: Buffer): void {
    if (!this.#dtls) return;
    this.#apply(this.#dtls.feed(datagram));
  }

  /** Timers: ICE consent, DTLS retransmission, SCTP. */
  tick(nowMs: number): void {
    if (this.#closed) return;
    for (const s of this.agent.tick(nowMs)) {
      if (s === 'failed') this.#setState('failed');
      else if (s === 'disconnected') this.#setState('disconnected');
      else if (s === 'connected' && this.#srtpUp) this.#setState('connected');
    }
    // DTLS retransmits only during the handshake (RFC 6347 §4.2.4).
    if (this.#dtls && !this.#dtlsUp && !this.#dtlsDone && this.#dtls.timeout() === 0) this.#apply(this.#dtls.handleTimeout());
    this.#channels?.tick(nowMs);
  }

  #startDtls(): void {
    if (this.#dtls || this.#dtlsRole === undefined || !this.#remote || !this.agent.selected) return;
    const fp = this.#remote.fingerprints[0];
    if (!fp) return;
    this.#dtls = this.#hub.dtlsConnection(this.#dtlsRole, `${fp.algorithm} ${fp.value}`);
    this.#apply(this.#dtls.start());
  }

  #apply(r: DtlsResult): void {
    const to = this.agent.selected;
    if (to) for (const d of r.out) this.#hub.sendTo(to, d);
    if (r.srtp) {
      this.#dtlsUp = true;
      const keys = r.srtp;
      // As the DTLS server the SFU is done when the client's Finished arrives, before the client
      // has read the SFU's own Finished and made its SRTP keys: media sent at once could reach
      // it first and be dropped (a lost keyframe). Media starts a moment later.
      if (this.#dtlsRole === 'server') setTimeout(() => this.#srtpReady(keys), SERVER_MEDIA_DELAY_MS).unref();
      else this.#srtpReady(keys);
      this.#maybeStartSctp();
    }
    for (const a of r.app) this.#channels?.receive(a, this.#hub.now());
    if (r.state === 'failed' || r.state === 'closed') this.#dtlsDone = true;
    if (r.state === 'failed') {
      this.#hub.log.info('sfu.native.dtls_failed', { peer: this.name, error: r.error });
      this.#setState('failed');
    } else if (r.state === 'closed') this.#setState('closed');
  }

  #srtpReady(keys: SrtpKeys): void {
    if (this.#closed) return;
    this.#hub.connKeys(this.connId, keys);
    this.#srtpUp = true;
    this.#setState('connected');
    for (const s of this.#sections) if (s.kind === 'media') s.track.onOpen?.();
  }

  #maybeStartSctp(): void {
    if (this.#channels || !this.#dtlsUp || !this.#hasData || !this.#dtls || this.#dtlsRole === undefined) return;
    const dtls = this.#dtls;
    this.#channels = new SctpChannels({
      dtlsRole: this.#dtlsRole,
      send: (packet) => this.#apply(dtls.write(packet)),
      onChannel: (ch) => this.events.onDataChannel?.(ch),
      now: () => this.#hub.now(),
    });
    for (const ch of this.#queued.splice(0)) this.#channels.adopt(ch);
    this.#channels.start();
  }

  #setState(s: TransportState): void {
    if (this.#state === s || this.#state === 'closed') return;
    if (s === 'connected' && !this.#srtpUp) return;
    this.#state = s;
    this.events.onState?.(s);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels?.close();
    if (this.#dtls) {
      const to = this.agent.selected;
      const r = this.#dtls.close();
      if (to) for (const d of r.out) this.#hub.sendTo(to, d);
    }
    this.#hub.detach(this);
    this.#state = 'closed';
  }
}
