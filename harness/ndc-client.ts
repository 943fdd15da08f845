/**
 * A test client that behaves like ion-sdk-js over JSON-RPC, built on node-datachannel: a
 * publisher connection it offers on (with the client-side `ion-sfu` channel), a subscriber
 * connection it answers on, trickle both ways, and raw RTP/RTCP in and out. It uses the shared
 * signalling schema, as the server and the demo page do. Shared by the SFU tests and the
 * fan-out bench, hence harness/ (servers.ts says why).
 */
import { once } from 'node:events';
import ndc from 'node-datachannel';
import type { DataChannel, PeerConnection, RtcConfig, Track } from 'node-datachannel';
import { WebSocket } from 'ws';
import { encodeRequest, encodeNotification } from '../src/sfu/signal/jsonrpc.ts';
import { API_CHANNEL, checkDescription, Method, Target, type CandidateInit } from '../src/sfu/signal/schema.ts';
import { parseSdp } from '../src/sfu/sdp/sdp.ts';

const config: RtcConfig = { iceServers: [], bindAddress: '127.0.0.1', disableAutoNegotiation: true, forceMediaTransport: true };

export interface ReceivedTrack {
  readonly mid: string;
  readonly kind: string;
  readonly track: Track;
  /** every RTP packet, unless the client was made with `keepPackets: false` */
  readonly rtp: Buffer[];
  readonly rtcp: Buffer[];
  /** RTP packets received */
  count: number;
  /** called for each RTP packet (the bench measures latency here) */
  onRtp: ((p: Buffer) => void) | undefined;
  closed: boolean;
}

/**
 * Every native object a test creates stays referenced until the end: node-datachannel's global
 * cleanup crashes on wrappers collected before they closed.
 */
const held: object[] = [];
const hold = <T extends object>(o: T): T => (held.push(o), o);

/** Releases node-datachannel's threads so the test process can exit (call once, at the end). */
export function releaseWebrtc(): void {
  ndc.cleanup();
  held.length = 0;
}

/** Polls `cond` (without timing anything) until it holds or `ms` pass. */
/**
 * Sends on a track while it is open. A pump's timer can fire while a test's clean-up closes the
 * clients (after-hooks may run before the pump's clearInterval): the stack then reports a closed
 * track, which is the end of the test, not a failure.
 */
export function sendWhileOpen(track: Track | undefined, p: Buffer): boolean {
  if (!track?.isOpen()) return false;
  try {
    return track.sendMessageBinary(p);
  } catch (err) {
    if (/closed/i.test((err as Error).message)) return false;
    throw err;
  }
}

export async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class TestClient {
  readonly ws: WebSocket;
  readonly pub: PeerConnection;
  readonly sub: PeerConnection;
  readonly subTracks: ReceivedTrack[] = [];
  readonly subChannels: DataChannel[] = [];
  readonly messages: { label: string; data: string | Buffer }[] = [];
  readonly apiMessages: string[] = [];
  readonly offers: string[] = [];
  readonly errors: unknown[] = [];
  readonly pubRtcp: Buffer[] = [];
  subAnswers = 0;
  #id = 0;
  readonly #pending = new Map<string, (m: any) => void>();
  readonly #queued: { [t: number]: CandidateInit[] } = { 0: [], 1: [] };
  readonly #hasRemote = [false, false];
  readonly #heldPub: (() => void)[] = [];
  #pubDesc: ((sdp: string) => void) | undefined;
  #subDesc: ((sdp: string) => void) | undefined;
  readonly #pubTracks: Track[] = [];

  readonly #keep: boolean;

  private constructor(ws: WebSocket, name: string, keepPackets: boolean, listen: boolean) {
    this.#keep = keepPackets;
    this.ws = ws;
    this.pub = hold(new ndc.PeerConnection(`${name}-pub`, config));
    this.sub = hold(new ndc.PeerConnection(`${name}-sub`, config));
    hold(this.pub.createDataChannel(API_CHANNEL));
    // Like a browser, which checks the SFU's certificate whenever the answer arrives, this client
    // must not let ICE and DTLS finish before it has the answer: libdatachannel fails the
    // handshake without a fingerprint. So its publisher candidates wait for the join result.
    this.pub.onLocalCandidate((c) => {
      const send = () => this.#notify(Method.trickle, { target: Target.publisher, candidate: { candidate: c.replace(/^a=/, ''), sdpMid: '0', sdpMLineIndex: 0 } });
      if (this.#hasRemote[0]) send();
      else this.#heldPub.push(send);
    });
    this.sub.onLocalCandidate((c) => this.#notify(Method.trickle, { target: Target.subscriber, candidate: { candidate: c.replace(/^a=/, ''), sdpMid: '0', sdpMLineIndex: 0 } }));
    this.pub.onLocalDescription((sdp) => this.#pubDesc?.(sdp));
    this.sub.onLocalDescription((sdp, type) => {
      if (type === 'answer') {
        this.subAnswers++;
        this.#notify(Method.answer, { desc: { type: 'answer', sdp } });
      }
      this.#subDesc?.(sdp);
    });
    this.sub.onTrack((t) => {
      hold(t);
      const rec: ReceivedTrack = { mid: t.mid(), kind: t.type(), track: t, rtp: [], rtcp: [], count: 0, onRtp: undefined, closed: false };
      if (listen || t.type() !== 'video') t.onMessage((m) => {
        if (m[1] >= 192 && m[1] <= 223) {
          if (this.#keep) rec.rtcp.push(m);
          return;
        }
        rec.count++;
        rec.onRtp?.(m);
        if (this.#keep) rec.rtp.push(m);
      });
      t.onClosed(() => {
        rec.closed = true;
        t.close(); // releases the binding's callbacks, or the process cannot exit
      });
      this.subTracks.push(rec);
    });
    this.sub.onDataChannel((dc) => {
      const label = dc.getLabel();
      this.subChannels.push(hold(dc));
      dc.onMessage((data) => {
        const d = typeof data === 'string' ? data : Buffer.from(data as Buffer);
        if (label === API_CHANNEL) this.apiMessages.push(String(d));
        else this.messages.push({ label, data: d });
      });
    });
    ws.on('message', (raw) => this.#onMessage(JSON.parse(String(raw))));
  }

  /**
   * `keepPackets: false` only counts packets; `listen: false` does not even deliver received
   * video to JavaScript (the bench's silent subscribers: the stack still receives and decrypts).
   */
  static async connect(url: string, name: string, opts: { keepPackets?: boolean; listen?: boolean } = {}): Promise<TestClient> {
    const ws = new WebSocket(url);
    await once(ws, 'open');
    return new TestClient(ws, name, opts.keepPackets ?? true, opts.listen ?? true);
  }

  #notify(method: string, params: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeNotification(method, params));
  }

  /** Sends a request and resolves with the whole response object. */
  call(method: string, params: unknown): Promise<any> {
    const id = `req-${++this.#id}`;
    this.ws.send(encodeRequest(id, method, params));
    return new Promise((resolve) => this.#pending.set(id, resolve));
  }

  #onMessage(m: any): void {
    if (m.id !== undefined && m.id !== null && this.#pending.has(m.id)) {
      this.#pending.get(m.id)!(m);
      this.#pending.delete(m.id);
      return;
    }
    if (m.error) this.errors.push(m.error);
    else if (m.method === 'offer') {
      const desc = checkDescription(m.params, 'offer', 'offer');
      if (!desc.ok) throw new Error(desc.error);
      this.offers.push(desc.value.sdp);
      this.sub.setRemoteDescription(desc.value.sdp, 'offer');
      this.#remoteSet(1);
      this.sub.setLocalDescription('answer');
    } else if (m.method === 'trickle') {
      const t = m.params.target as number;
      if (this.#hasRemote[t]) this.#addCandidate(t, m.params.candidate);
      else this.#queued[t].push(m.params.candidate);
    }
  }

  #addCandidate(target: number, c: CandidateInit): void {
    try {
      (target === 0 ? this.pub : this.sub).addRemoteCandidate(c.candidate, c.sdpMid ?? '0');
    } catch (err) {
      this.errors.push(err); // e.g. a candidate for a connection being torn down
    }
  }

  #remoteSet(target: number): void {
    this.#hasRemote[target] = true;
    for (const c of this.#queued[target].splice(0)) this.#addCandidate(target, c);
    if (target === 0) for (const send of this.#heldPub.splice(0)) send();
  }

  #localOffer(): Promise<string> {
    return new Promise((resolve) => {
      this.#pubDesc = (sdp) => {
        this.#pubDesc = undefined;
        resolve(sdp);
      };
      this.pub.setLocalDescription('offer');
    });
  }

  /** ion-sdk-js's join: offer on the publisher connection, apply the answer. */
  async join(sid: string, uid?: string, config?: Record<string, boolean>): Promise<any> {
    const sdp = await this.#localOffer();
    const res = await this.call(Method.join, { sid, uid, offer: { type: 'offer', sdp }, config });
    if (res.result) {
      this.pub.setRemoteDescription(res.result.sdp, 'answer');
      this.#remoteSet(0);
    }
    return res;
  }

  /** Adds Opus and/or VP8 send tracks and renegotiates (ion-sdk-js's publish). */
  async publish(opts: {
    audioSsrc?: number;
    videoSsrc?: number;
    stream: string;
    /** video codec: VP8 on 96 (default), or another name, payload type and fmtp */
    videoCodec?: { name: 'VP8' | 'VP9' | 'H264'; pt: number; fmtp?: string };
  }): Promise<{ audio?: Track; video?: Track; answer: string }> {
    const out: { audio?: Track; video?: Track; answer: string } = { answer: '' };
    if (opts.audioSsrc !== undefined) {
      const a = new ndc.Audio(`a${opts.audioSsrc}`, 'SendOnly');
      a.addOpusCodec(111, 'minptime=10;useinbandfec=1');
      a.parseSdpLine('a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level');
      a.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
      a.addSSRC(opts.audioSsrc, opts.stream, opts.stream, `${opts.stream}-audio`);
      out.audio = hold(this.pub.addTrack(a));
    }
    if (opts.videoSsrc !== undefined) {
      const v = new ndc.Video(`v${opts.videoSsrc}`, 'SendOnly');
      const codec = opts.videoCodec ?? { name: 'VP8', pt: 96 };
      if (codec.fmtp) v.addVideoCodec(codec.pt, codec.name, codec.fmtp);
      else v.addVideoCodec(codec.pt, codec.name);
      v.parseSdpLine('a=extmap:13 urn:3gpp:video-orientation');
      v.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
      v.addSSRC(opts.videoSsrc, opts.stream, opts.stream, `${opts.stream}-video`);
      out.video = hold(this.pub.addTrack(v));
    }
    for (const t of [out.audio, out.video]) {
      if (!t) continue;
      this.#pubTracks.push(t);
      t.onMessage((m) => this.pubRtcp.push(m));
    }
    const sdp = await this.#localOffer();
    const res = await this.call(Method.offer, { desc: { type: 'offer', sdp } });
    if (!res.result) throw new Error(`offer failed: ${JSON.stringify(res.error)}`);
    this.pub.setRemoteDescription(res.result.sdp, 'answer');
    out.answer = res.result.sdp;
    return out;
  }

  /** ion-sdk-js's createDataChannel: a channel on the publisher connection. */
  createDataChannel(label: string): DataChannel {
    return hold(this.pub.createDataChannel(label));
  }

  /** The SSRC, msid stream id and extmaps the SFU offered for a subscriber section. */
  offeredSection(mid: string): { ssrc: number | undefined; stream: string | undefined; port: number; extmaps: { id: number; uri: string }[] } | undefined {
    const last = this.offers.at(-1);
    const m = last === undefined ? undefined : parseSdp(last).media.find((x) => x.mid === mid);
    return m && { ssrc: m.ssrcs[0], stream: m.msid?.stream, port: m.port, extmaps: [...m.extmaps] };
  }

  async close(): Promise<void> {
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.close();
      await once(this.ws, 'close');
    }
    this.pub.close();
    this.sub.close();
  }
}
