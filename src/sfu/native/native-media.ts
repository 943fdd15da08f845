/**
 * The SFU-wide part of the native media path: one media worker (one UDP port, its thread, the
 * router), one DTLS certificate, the ICE-lite demultiplexer, and the dispatch of the worker's
 * control datagrams and router events to connections and tracks. A {@link TransportFactory}
 * for rooms: each `create` is a {@link NativeTransport}.
 */
import { randomBytes } from 'node:crypto';
import { residenceOf, type ResidenceHistogram } from '../media/residence.ts';
import type { BandwidthFeedback } from '../media/subscriber-bandwidth.ts';
import { parseRtcp } from '../rtp/rtcp.ts';
import type { TransportFactory } from '../transport/types.ts';
import type { SfuLog } from '../types/log.ts';
import type { Outcome } from '../types/outcome.ts';
import { DtlsCertificate, dtlsSrtpAddon, type DtlsConnection, type SrtpKeys } from './dtls-srtp.ts';
import type { IceAddress, IceLiteAgent } from './ice-lite.ts';
import { IceLiteDemux } from './ice-lite-demux.ts';
import type { MediaControl, NativeDownEvents, NativeDownSpec, NativeUpEvents } from './media-control.ts';
import { MediaWorker } from './media-worker.ts';
import type { NativeHub } from './native-hub.ts';
import { NativeTransport } from './native-transport.ts';
import { decodeRouterEvents, forEachTwccSent, type RouterEvent } from './router-events.ts';
import { codecOf, connExtensions, hostCandidates, parseFingerprint, ridsByLayer, routerDown, type NativeMediaOptions } from './native-specs.ts';
import type { AcceptedMedia } from './sdp-answer.ts';
import type { DtlsFingerprint, HostCandidate } from './sdp-lines.ts';

export { connExtensions, nativeMediaOptions, ridsByLayer, type NativeMediaOptions } from './native-specs.ts';

/**
 * The rooms' tick on this path: ICE consent, DTLS retransmission and SCTP timers need no finer
 * step (SCTP sends at once on data), nor do layer choices (RTCP, NACKs and keyframe switches are
 * the worker's, on its own 20 ms tick).
 */
const TICK_MS = 50;
/** The native media path of one SFU. */
export class NativeMedia implements NativeHub, MediaControl, TransportFactory {
  readonly control: MediaControl = this;
  readonly log: SfuLog;
  readonly fingerprint: DtlsFingerprint;
  readonly candidates: readonly HostCandidate[];
  readonly timeouts: { readonly disconnectedMs: number; readonly failedMs: number };
  readonly port: number;
  readonly #o: NativeMediaOptions;
  readonly #worker: MediaWorker;
  readonly #cert: DtlsCertificate;
  readonly #demux = new IceLiteDemux();
  readonly #byConn = new Map<number, NativeTransport>();
  readonly #byAgent = new Map<IceLiteAgent, NativeTransport>();
  readonly #ups = new Map<number, NativeUpEvents | undefined>();
  readonly #downs = new Map<number, NativeDownEvents>();
  readonly #feedback = new Map<number, BandwidthFeedback>();
  /** retransmission budget last given to the router, by connection */
  readonly #rtxRates = new Map<number, number>();
  /** ms between the worker's monotonic clock (µs, low 32 bits in events) and `now()` */
  readonly #clockOffsetMs: number;
  #nextId = 1;
  #closed = false;

  private constructor(o: NativeMediaOptions, worker: MediaWorker, cert: DtlsCertificate) {
    this.#o = o;
    this.log = o.log;
    this.#worker = worker;
    this.#cert = cert;
    this.port = worker.port;
    this.fingerprint = parseFingerprint(cert.fingerprint);
    this.candidates = hostCandidates(o.bindAddress, worker.port, o.nat1to1);
    this.timeouts = { disconnectedMs: o.timeouts.disconnected * 1000, failedMs: o.timeouts.failed * 1000 };
    this.#clockOffsetMs = Number(process.hrtime.bigint() / 1000n) / 1000 - o.now();
    worker.onControlPacket = (data, from) => this.#onControl(data, from);
    worker.onEvents = (buf) => this.#onEvents(buf);
  }

  /** Starts the worker on its port; fails with the reason when the addon has no media path. */
  static start(o: NativeMediaOptions): Outcome<NativeMedia> {
    const dtls = dtlsSrtpAddon();
    if (!dtls.ok) return dtls;
    const worker = MediaWorker.start({ address: o.bindAddress ?? '0.0.0.0', port: o.port });
    if (!worker.ok) return worker;
    worker.value.setAudioThreshold(o.audioLevelThreshold);
    return { ok: true, value: new NativeMedia(o, worker.value, new DtlsCertificate(dtls.value)) };
  }

  // --- TransportFactory --------------------------------------------------------------------

  readonly tickMs = TICK_MS;

  /** The rooms' tick: the worker's routine events are pulled (it wakes JavaScript only for urgent ones), then ICE, DTLS and SCTP timers. */
  tick(): void {
    if (this.#closed) return;
    this.#worker.drain();
    this.#tick();
  }

  create(name: string): NativeTransport {
    return new NativeTransport(this, name);
  }

  // --- NativeHub -----------------------------------------------------------------------------

  now(): number {
    return this.#o.now();
  }

  attach(t: NativeTransport): void {
    this.#byConn.set(t.connId, t);
    this.#byAgent.set(t.agent, t);
    this.#demux.add(t.agent);
    const added = this.#worker.connAdd(t.connId, { rtcpSsrc: randomBytes(4).readUInt32BE(0) });
    if (!added.ok) this.log.warn('sfu.native.conn_refused', { peer: t.connId, error: added.error });
  }

  updateAgent(t: NativeTransport): void {
    this.#demux.update(t.agent);
  }

  detach(t: NativeTransport): void {
    this.#demux.remove(t.agent);
    this.#byConn.delete(t.connId);
    this.#byAgent.delete(t.agent);
    this.#feedback.delete(t.connId);
    this.#rtxRates.delete(t.connId);
    this.#worker.connRemove(t.connId);
  }

  connSpec(conn: number, media: readonly AcceptedMedia[]): void {
    if (media.length > 0) this.#worker.connSpec(conn, connExtensions(media));
  }

  connAddress(conn: number, to: IceAddress): void {
    this.#worker.connSetAddress(conn, to.address, to.port);
  }

  connKeys(conn: number, keys: SrtpKeys): void {
    this.#worker.connKeys(conn, keys);
  }

  upAdd(conn: number, m: AcceptedMedia): number | undefined {
    const id = this.allocateId();
    const first = m.codecs[0]?.codec;
    const r = this.#worker.upAdd(id, {
      conn,
      video: m.kind === 'video',
      mid: m.mid,
      rids: ridsByLayer(m.rids),
      ssrcs: m.ssrcs,
      codecOfPt: Object.fromEntries([...m.payloadTypes].map(([pt, name]) => [pt, codecOf(name)])),
      clockRate: first?.clockRate ?? 90000,
      history: m.kind === 'video' ? this.#o.maxPacketTrack : 25,
      maxBitrate: m.kind === 'video' ? this.#o.maxBitrate : 0,
    });
    if (!r.ok) {
      this.log.warn('sfu.native.up_refused', { mid: m.mid, error: r.error });
      return undefined;
    }
    this.#ups.set(id, undefined);
    return id;
  }

  bindUp(id: number, up: NativeUpEvents): void {
    if (this.#ups.has(id)) this.#ups.set(id, up);
  }

  dtlsConnection(role: 'client' | 'server', remoteFingerprint: string): DtlsConnection {
    return this.#cert.connection(role, remoteFingerprint);
  }

  sendTo(to: IceAddress, data: Uint8Array): void {
    this.#worker.send(to.address, to.port, data);
  }

  // --- MediaControl --------------------------------------------------------------------------

  allocateId(): number {
    return this.#nextId++;
  }

  upRemove(id: number): void {
    this.#ups.delete(id);
    this.#worker.upRemove(id);
  }

  downAdd(id: number, spec: NativeDownSpec, events: NativeDownEvents, feedback?: BandwidthFeedback): void {
    const added = this.#worker.downAdd(id, routerDown(spec));
    if (!added.ok) {
      this.log.warn('sfu.native.down_refused', { up: spec.up, error: added.error });
      return;
    }
    this.#downs.set(id, events);
    if (feedback) this.#feedback.set(spec.conn, feedback);
  }

  downUpdate(id: number, spec: NativeDownSpec): void {
    if (this.#downs.has(id)) this.#worker.downSet(id, routerDown(spec));
  }

  downRemove(id: number): void {
    if (!this.#downs.delete(id)) return;
    this.#worker.downRemove(id);
  }

  downTarget(id: number, layer: number, paused: boolean): void {
    this.#worker.downTarget(id, layer, paused);
  }

  downTemporal(id: number, tidMax: number): void {
    this.#worker.downTemporal(id, tidMax);
  }

  requestKeyframe(up: number, layer: number): void {
    this.#worker.requestKeyframe(up, layer);
  }

  sendRtcpUp(up: number, packet: Uint8Array): void {
    void up;
    void packet; // the router reports to publishers itself
  }

  sendRtcp(conn: number, packet: Uint8Array): void {
    this.#worker.sendRtcp(conn, packet);
  }

  connOpen(conn: number): boolean {
    return this.#byConn.get(conn)?.srtpUp ?? false;
  }

  // --- from the worker -----------------------------------------------------------------------

  #onControl(data: Buffer, from: IceAddress): void {
    const first = data[0];
    if (first <= 3) {
      const r = this.#demux.handle(data, from, this.now());
      if (r.kind !== 'stun') return;
      if (r.result.reply) this.sendTo(from, r.result.reply);
      if (r.result.ok && r.result.selected) this.#transportOf(r.agent)?.onSelected(r.result.selected);
      return;
    }
    if (first >= 20 && first <= 63) {
      const agent = this.#demux.agentAt(from);
      if (agent) this.#transportOf(agent)?.onDtls(data);
    }
  }

  #transportOf(agent: IceLiteAgent): NativeTransport | undefined {
    return this.#byAgent.get(agent);
  }

  #onEvents(buf: Buffer): void {
    const parsed = decodeRouterEvents(buf);
    const now = this.now();
    for (const e of parsed.events) this.#onEvent(e, now);
  }

  #onEvent(e: RouterEvent, now: number): void {
    switch (e.type) {
      case 'first':
        this.#ups.get(e.up)?.onFirstPacket(e.pt);
        return;
      case 'layerStats':
        this.#ups.get(e.up)?.onLayerCounters(e.layer, e.bytes, e.idleMs < 0xffffffff ? now - e.idleMs : undefined);
        return;
      case 'layer':
        this.#downs.get(e.down)?.onLayer(e.layer);
        return;
      case 'svc':
        this.#ups.get(e.up)?.onSvc();
        return;
      case 'pli':
        this.#downs.get(e.down)?.onPli(now);
        return;
      case 'audio': {
        const up = this.#ups.get(e.up);
        for (let i = 0; i < e.speaking; i++) up?.onAudioLevel(e.minLevel);
        return;
      }
      case 'rtcp': {
        const fb = this.#feedback.get(e.conn);
        if (!fb) return;
        const r = parseRtcp(e.packet);
        if (!r.ok) return;
        for (const p of r.packets) {
          if (p.type === 'remb') fb.onRemb(p.bitrate);
          else if (p.type === 'twcc') fb.onTwcc(p.feedback, now);
        }
        return;
      }
      case 'twccSent': {
        const fb = this.#feedback.get(e.conn);
        if (!fb) return;
        const nowUs = Number(process.hrtime.bigint() / 1000n);
        forEachTwccSent(e.records, (seq, size, atUs) => fb.onSent(seq, size, (nowUs - ((nowUs - atUs) >>> 0)) / 1000 - this.#clockOffsetMs));
        return;
      }
      default:
        return;
    }
  }

  #tick(): void {
    if (this.#closed) return;
    const now = this.now();
    for (const t of this.#byConn.values()) t.tick(now);
    for (const [conn, fb] of this.#feedback) {
      const bps = Math.round(fb.retransmitBps ?? 0);
      if (this.#rtxRates.get(conn) === bps) continue;
      this.#rtxRates.set(conn, bps);
      this.#worker.connRtxRate(conn, bps);
    }
  }

  /** The router's figures under the rooms' names (`media/counters.ts`). */
  mediaCounters(): Partial<Record<string, number>> {
    const c = this.#worker.counters();
    const n = (k: string): number => c[k] ?? 0;
    return {
      rtpIn: n('router.rtpIn'),
      rtpBytesIn: n('router.bytesIn'),
      rtpOut: n('router.rtpOut'),
      rtpBytesOut: n('router.bytesOut'),
      rtcpIn: n('router.rtcpIn'),
      rtcpOut: n('router.rtcpOut'),
      nackedToPublishers: n('router.nacksSent'),
      nackedBySubscribers: n('router.nacksReceived'),
      retransmitted: n('router.retransmits'),
      pliToPublishers: n('router.plis'),
      feedbackToPublishers: n('router.twccFeedback'),
      pausedLayerPackets: n('router.unwanted'),
      temporalLayerPackets: n('router.temporalDropped'),
      retransmissionsDropped: n('router.rtxOverBudget'),
      dropped: n('router.droppedUnknown') + n('router.droppedMalformed') + n('drop.unprotect') + n('drop.malformed'),
      sendFailed: n('drop.protect') + n('drop.out-batch-full') + n('drop.socket-error'),
      shed: n('shed'),
    };
  }

  /** How long RTP spends in the worker (`media/residence.ts`). */
  residence(): ResidenceHistogram | undefined {
    return residenceOf(this.#worker.counters());
  }

  /** The worker's own figures (datagrams, drops by reason) and the router's. */
  counters(): Record<string, number> {
    return this.#worker.counters();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [...this.#byConn.values()]) t.close();
    this.#worker.stop();
  }
}
