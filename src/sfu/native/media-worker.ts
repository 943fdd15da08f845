/**
 * The SFU's native media worker (`native/src/sfu/media-worker.c`), typed: one UDP port and one
 * thread that carries RTP and RTCP between peer connections without JavaScript per packet.
 * TypeScript decides: it adds connections (their ICE-selected address, RFC 8445 §12, and their
 * DTLS-SRTP keys, RFC 5764 §4.2), up-streams and down-tracks (router.h). The worker hands up what
 * it does not carry: STUN and DTLS datagrams (RFC 7983 §7) through `onControlPacket`, and the
 * router's event log through `onEvents` (decoded by `router-events.ts`).
 */
import { loadAddon } from '../../dataplane/native/addon.ts';
import type { Outcome } from '../types/outcome.ts';
import type { IceAddress } from './ice-check.ts';
import type { RouterConnSpec, RouterDownSpec, RouterUpSpec } from './router-spec.ts';

/** Keys of one DTLS-SRTP association (RFC 5764 §4.2): local protects, remote unprotects. */
export interface MediaWorkerKeys {
  /** IANA DTLS-SRTP protection profile (1, 2, 7, 8); 0 is plaintext, for tests only */
  readonly profile: number;
  readonly localKey: Uint8Array;
  readonly localSalt: Uint8Array;
  readonly remoteKey: Uint8Array;
  readonly remoteSalt: Uint8Array;
}

/**
 * A connection as it is added: the router's spec, and optionally its address and keys when
 * already known. `{ profile: 0 }` carries RTP in the clear: a test mode, never negotiated.
 */
export type MediaWorkerConnSpec = RouterConnSpec & {
  readonly address?: string;
  readonly port?: number;
} & Partial<MediaWorkerKeys>;

/** A datagram for JavaScript, as the addon hands it up. */
interface DrainedPacket extends IceAddress {
  readonly data: Buffer;
}

type Handle = { readonly __mediaWorker: unique symbol };

/** The addon's media worker functions (native/src/sfu/media-worker-napi.c); results are codes. */
export interface MediaWorkerAddon {
  mediaWorkerStart(o: { address: string; port: number; onWake: () => void; gso?: boolean; batchUs?: number; shedMs?: number }): { handle: Handle; port: number };
  mediaWorkerStop(h: Handle): void;
  mediaWorkerUnref(h: Handle): void;
  mediaWorkerDrain(h: Handle): { packets: DrainedPacket[]; events: Buffer; dropped: number };
  mediaWorkerConnAdd(h: Handle, id: number, spec: MediaWorkerConnSpec): number;
  mediaWorkerConnSpec(h: Handle, id: number, spec: Partial<RouterConnSpec>): number;
  mediaWorkerConnSetAddress(h: Handle, id: number, address: string, port: number): number;
  mediaWorkerConnKeys(h: Handle, id: number, keys: MediaWorkerKeys): number;
  mediaWorkerConnRemove(h: Handle, id: number): number;
  mediaWorkerUpAdd(h: Handle, id: number, spec: RouterUpSpec): number;
  mediaWorkerUpRemove(h: Handle, id: number): number;
  mediaWorkerDownAdd(h: Handle, id: number, spec: RouterDownSpec): number;
  mediaWorkerDownRemove(h: Handle, id: number): number;
  mediaWorkerDownTarget(h: Handle, id: number, layer: number, paused: boolean): number;
  mediaWorkerDownTemporal(h: Handle, id: number, tidMax: number): number;
  mediaWorkerDownSet(h: Handle, id: number, spec: RouterDownSpec): number;
  mediaWorkerConnRtxRate(h: Handle, id: number, bps: number): number;
  mediaWorkerRequestKeyframe(h: Handle, up: number, layer: number): number;
  mediaWorkerSetAudioThreshold(h: Handle, level: number): void;
  mediaWorkerSend(h: Handle, address: string, port: number, data: Uint8Array): number;
  mediaWorkerSendRtcp(h: Handle, conn: number, data: Uint8Array): number;
  mediaWorkerCounters(h: Handle): { worker: Record<string, number>; router: Record<string, number> };
}

/** Why a control call was refused: router.h's TP_ROUTER_ERR_* and media-worker.h's TP_MW_ERR_*. */
export const MediaWorkerError: Readonly<Record<number, string>> = {
  [-1]: 'exists',
  [-2]: 'not-found',
  [-3]: 'full',
  [-4]: 'invalid',
  [-5]: 'bad-key',
  [-6]: 'crypto',
  [-7]: 'address-family',
  [-8]: 'no-keys',
  [-9]: 'send-failed',
};

const OK: Outcome<void> = { ok: true, value: undefined };

function outcome(code: number): Outcome<void> {
  return code === 0 ? OK : { ok: false, error: MediaWorkerError[code] ?? `error ${code}` };
}

/** The addon's media worker, or why there is none. */
function mediaWorkerAddon(): Outcome<MediaWorkerAddon> {
  const loaded = loadAddon();
  if (!loaded.ok) return { ok: false, error: loaded.reason };
  const a = loaded.addon as unknown as Partial<MediaWorkerAddon>;
  if (typeof a.mediaWorkerStart !== 'function') return { ok: false, error: 'the native addon has no media worker (rebuild it: node scripts/build-native.mjs)' };
  return { ok: true, value: a as MediaWorkerAddon };
}

/** Where a media worker listens. */
export interface MediaWorkerOptions {
  /** an IP literal; its family is the socket's (IPv6 sockets are IPv6-only) */
  readonly address: string;
  /** 0: any free port */
  readonly port: number;
  /** UDP GSO for runs of datagrams to one connection, where the kernel has it (default true) */
  readonly gso?: boolean;
  /** under load, the worker polls its socket this often, µs, instead of waking per burst (default 1000; 0: never; at most 10000) */
  readonly batchUs?: number;
  /** RTP that waited in the socket longer than this, ms, is shed unread (default 100; 0: never; at most 10000) */
  readonly shedMs?: number;
  readonly onControlPacket?: (data: Buffer, from: IceAddress) => void;
  readonly onEvents?: (events: Buffer) => void;
}

/** One native media worker: its socket, its thread, its router. */
export class MediaWorker {
  /** the UDP port the socket is bound to */
  readonly port: number;
  /** STUN (0-3) and DTLS (20-63) datagrams, with their source (RFC 7983 §7) */
  onControlPacket: (data: Buffer, from: IceAddress) => void;
  /** the router's event log (router.h TP_EV_*), for `decodeRouterEvents` */
  onEvents: (events: Buffer) => void;
  /** datagrams for JavaScript the worker's full queue refused, in all */
  dropped = 0;
  readonly #addon: MediaWorkerAddon;
  readonly #handle: Handle;
  #stopped = false;

  private constructor(addon: MediaWorkerAddon, started: { handle: Handle; port: number }, o: MediaWorkerOptions) {
    this.#addon = addon;
    this.#handle = started.handle;
    this.port = started.port;
    this.onControlPacket = o.onControlPacket ?? (() => {});
    this.onEvents = o.onEvents ?? (() => {});
  }

  /** Why there is no media worker here (no addon, an addon without one), or undefined. */
  static available(): string | undefined {
    const a = mediaWorkerAddon();
    return a.ok ? undefined : a.error;
  }

  /** Binds the socket and starts the thread; fails with the reason (no addon, port in use). */
  static start(o: MediaWorkerOptions): Outcome<MediaWorker> {
    const addon = mediaWorkerAddon();
    if (!addon.ok) return addon;
    let worker: MediaWorker | undefined;
    let started: { handle: Handle; port: number };
    try {
      // The wake comes on the JavaScript thread, after start has returned.
      started = addon.value.mediaWorkerStart({ address: o.address, port: o.port, onWake: () => worker?.drain(), gso: o.gso ?? true, batchUs: o.batchUs ?? 1000, shedMs: o.shedMs ?? 100 });
    } catch (err) {
      const e = err as Error & { code?: string };
      return { ok: false, error: `cannot start the media worker on ${o.address}:${o.port}: ${e.code ?? 'error'}: ${e.message}` };
    }
    worker = new MediaWorker(addon.value, started, o);
    return { ok: true, value: worker };
  }

  /** Takes what waits (the worker wakes JavaScript for it; a caller may drain at any time). */
  drain(): void {
    if (this.#stopped) return;
    const d = this.#addon.mediaWorkerDrain(this.#handle);
    this.dropped += d.dropped;
    for (const p of d.packets) this.onControlPacket(p.data, { family: p.family, address: p.address, port: p.port });
    if (d.events.length > 0) this.onEvents(d.events);
  }

  /** Adds a peer connection; its address and keys may come later. */
  connAdd(id: number, spec: MediaWorkerConnSpec): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnAdd(this.#handle, id, spec));
  }

  /** New extension ids or RTCP SSRC once the SDP is negotiated; fields not given stay. */
  connSpec(id: number, spec: Partial<RouterConnSpec>): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnSpec(this.#handle, id, spec));
  }

  /** The pair ICE selected (RFC 8445 §12), or a move to another one. */
  connSetAddress(id: number, address: string, port: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnSetAddress(this.#handle, id, address, port));
  }

  /** DTLS-SRTP completed (RFC 5764 §4.2): media flows from now on. */
  connKeys(id: number, keys: MediaWorkerKeys): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnKeys(this.#handle, id, keys));
  }

  /** Removes a connection with its up-streams and down-tracks. */
  connRemove(id: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnRemove(this.#handle, id));
  }

  upAdd(id: number, spec: RouterUpSpec): Outcome<void> {
    return outcome(this.#addon.mediaWorkerUpAdd(this.#handle, id, spec));
  }

  upRemove(id: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerUpRemove(this.#handle, id));
  }

  downAdd(id: number, spec: RouterDownSpec): Outcome<void> {
    return outcome(this.#addon.mediaWorkerDownAdd(this.#handle, id, spec));
  }

  /** the retransmission budget of a subscriber connection, bit/s (0: no limit) */
  connRtxRate(id: number, bps: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerConnRtxRate(this.#handle, id, Math.max(0, Math.min(0xffffffff, Math.round(bps)))));
  }

  /** the subscriber's answer settled these maps; numbering and layer stay */
  downSet(id: number, spec: RouterDownSpec): Outcome<void> {
    return outcome(this.#addon.mediaWorkerDownSet(this.#handle, id, spec));
  }

  downRemove(id: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerDownRemove(this.#handle, id));
  }

  /** The layer a down-track should carry (switched at that layer's next keyframe), or paused. */
  downTarget(id: number, layer: number, paused: boolean): Outcome<void> {
    return outcome(this.#addon.mediaWorkerDownTarget(this.#handle, id, layer, paused));
  }

  /** The highest VP8 temporal layer (TID 0-2; 3: all) a down-track carries, from the next picture that allows it. */
  downTemporal(id: number, tidMax: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerDownTemporal(this.#handle, id, tidMax));
  }

  /** A PLI to the publisher of `up` for `layer` (RFC 4585 §6.3.1), now. */
  requestKeyframe(up: number, layer: number): Outcome<void> {
    return outcome(this.#addon.mediaWorkerRequestKeyframe(this.#handle, up, layer));
  }

  /** The RFC 6464 level (0 loudest .. 127) at or under which audio counts as speech. */
  setAudioThreshold(level: number): void {
    this.#addon.mediaWorkerSetAudioThreshold(this.#handle, level);
  }

  /** A datagram from the worker's socket as it is: a STUN answer or a DTLS record. */
  send(address: string, port: number, data: Uint8Array): Outcome<void> {
    if (this.#stopped) return { ok: false, error: 'stopped' };
    const r = this.#addon.mediaWorkerSend(this.#handle, address, port, data);
    return r >= 0 ? OK : { ok: false, error: `send failed (errno ${-r})` };
  }

  /** RTCP decided in TypeScript (RFC 3550 §6, RFC 4585, RFC 8888), protected as SRTCP. */
  sendRtcp(conn: number, data: Uint8Array): Outcome<void> {
    return outcome(this.#addon.mediaWorkerSendRtcp(this.#handle, conn, data));
  }

  /** The worker's counters by name, and the router's as `router.<name>`. */
  counters(): Record<string, number> {
    const c = this.#addon.mediaWorkerCounters(this.#handle);
    const out: Record<string, number> = { ...c.worker };
    for (const [k, v] of Object.entries(c.router)) out[`router.${k}`] = v;
    return out;
  }

  /** A running worker keeps the process alive (as a listening socket does) until this, or stop(). */
  unref(): void {
    if (!this.#stopped) this.#addon.mediaWorkerUnref(this.#handle);
  }

  /** Stops the thread and closes the socket; again is a no-op. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#addon.mediaWorkerStop(this.#handle);
  }
}
