/**
 * An ICE-lite agent for one peer connection (RFC 8445 §2.5; responder side §7.3; consent
 * freshness RFC 7675), sans-IO: datagrams and the time come in, replies and state changes go
 * out. It gathers nothing (its host candidates are written into the SDP), answers the
 * controlling peer's checks, takes the pair the peer nominates (USE-CANDIDATE) as the selected
 * one, and follows the peer to a new address when it nominates another pair or when the selected
 * one has gone quiet and checks arrive from elsewhere (a network change).
 */
import type { DecodedStunMessage } from '../../stun/index.ts';
import { checkBindingRequest, decodeStun, type CheckCredentials, type IceAddress, type IceDropReason, type IceRejectReason } from './ice-check.ts';
import { makeIceCredentials, type IceCredentials, type RandomBytes } from './ice-credentials.ts';

export type { IceAddress } from './ice-check.ts';

/** Connection state, as RTCIceConnectionState names the ones a lite agent can be in. */
export type IceLiteState = 'new' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** Timers and options (`[webrtc.timeouts]` gives the first two, in seconds there). */
export interface IceLiteOptions {
  /** the time the agent starts; `failedMs` without a nomination after it means failure */
  readonly nowMs: number;
  /** no valid check on the selected pair for this long: disconnected (default 5000) */
  readonly disconnectedMs?: number;
  /** no valid check on the selected pair for this long: failed, consent lost (default 25000; RFC 7675 §5.1 allows 30 s) */
  readonly failedMs?: number;
  /** the selected pair silent this long lets a valid check from another address take over (default 2500) */
  readonly moveAfterSilentMs?: number;
  readonly random?: RandomBytes;
  /** the peer's credentials, when already known */
  readonly remote?: IceCredentials;
}

/** The agent's timers from `[webrtc.timeouts]` (seconds there). */
export function iceLiteTimeouts(t: { readonly disconnected: number; readonly failed: number }): { disconnectedMs: number; failedMs: number } {
  return { disconnectedMs: t.disconnected * 1000, failedMs: t.failed * 1000 };
}

/** What became of one datagram. `selected` is set when this check moved the selected pair there. */
export type IceStunResult =
  | { readonly ok: true; readonly reply: Uint8Array; readonly selected?: IceAddress; readonly state?: IceLiteState }
  | { readonly ok: false; readonly reason: IceDropReason | IceRejectReason; readonly reply?: Uint8Array };

/** One generation of credentials (RFC 8445 §9: each ICE restart starts a new one). */
interface Generation {
  readonly local: IceCredentials;
  readonly key: Uint8Array;
  remote: IceCredentials | undefined;
}

function generation(local: IceCredentials, remote: IceCredentials | undefined): Generation {
  return { local, key: Buffer.from(local.pwd, 'utf8'), remote };
}

function sameAddress(a: IceAddress, b: IceAddress): boolean {
  return a.port === b.port && a.address === b.address && a.family === b.family;
}

/** An ICE-lite agent (RFC 8445 §2.5): always controlled, never sends a check of its own. */
export class IceLiteAgent {
  readonly #disconnectedMs: number;
  readonly #failedMs: number;
  readonly #moveAfterSilentMs: number;
  readonly #random: RandomBytes | undefined;
  #current: Generation;
  /** the generation before the last restart, valid until the peer uses the new one */
  #previous: Generation | undefined;
  #state: IceLiteState = 'new';
  #selected: IceAddress | undefined;
  /** last valid check on the selected pair (consent, RFC 7675 §5.1), or the start time */
  #lastSelectedMs: number;
  #credentialsVersion = 0;

  constructor(opts: IceLiteOptions) {
    this.#disconnectedMs = opts.disconnectedMs ?? 5000;
    this.#failedMs = opts.failedMs ?? 25000;
    this.#moveAfterSilentMs = opts.moveAfterSilentMs ?? 2500;
    this.#random = opts.random;
    this.#current = generation(makeIceCredentials(this.#random), opts.remote);
    this.#lastSelectedMs = opts.nowMs;
  }

  /** Our credentials, to write into the next description (`a=ice-ufrag`, `a=ice-pwd`). */
  get local(): IceCredentials {
    return this.#current.local;
  }

  get remote(): IceCredentials | undefined {
    return this.#current.remote;
  }

  get state(): IceLiteState {
    return this.#state;
  }

  /** The nominated remote address media goes to, once there is one. */
  get selected(): IceAddress | undefined {
    return this.#selected;
  }

  /** Every local ufrag a check may name now (the current one, and the one before a restart). */
  localUfrags(): string[] {
    return this.#previous ? [this.#current.local.ufrag, this.#previous.local.ufrag] : [this.#current.local.ufrag];
  }

  /** Bumped whenever `localUfrags()` changes, so a demultiplexer knows to re-index. */
  get credentialsVersion(): number {
    return this.#credentialsVersion;
  }

  /** Sets the peer's credentials from its description (RFC 8839 §5.4). */
  setRemoteCredentials(remote: IceCredentials): void {
    this.#current.remote = remote;
  }

  /**
   * ICE restart (RFC 8445 §9): new local credentials for the next description. The old ones
   * keep working until the peer sends a valid check with the new ones, so media does not stop
   * while the descriptions cross. Call it before applying the peer's new credentials. A failed
   * agent starts over ('new') from `nowMs`.
   */
  restart(nowMs: number): IceCredentials {
    if (this.#state === 'closed') return this.#current.local;
    this.#previous = this.#current;
    this.#current = generation(makeIceCredentials(this.#random), undefined);
    this.#credentialsVersion++;
    if (this.#state === 'failed') {
      this.#state = 'new';
      this.#selected = undefined;
      this.#lastSelectedMs = nowMs;
    }
    return this.#current.local;
  }

  /** Handles one STUN datagram from `from`. Never throws on bad bytes. */
  handleStun(bytes: Uint8Array, from: IceAddress, nowMs: number): IceStunResult {
    const msg = decodeStun(bytes);
    return msg ? this.handleMessage(msg, from, nowMs) : { ok: false, reason: 'malformed' };
  }

  /** Handles a STUN message already decoded (by the demultiplexer). */
  handleMessage(msg: DecodedStunMessage, from: IceAddress, nowMs: number): IceStunResult {
    if (this.#state === 'closed') return { ok: false, reason: 'closed' };
    const gens = this.#previous ? [this.#current, this.#previous] : [this.#current];
    const creds: CheckCredentials[] = gens.map((g) => ({ localUfrag: g.local.ufrag, key: g.key, remoteUfrag: g.remote?.ufrag }));
    const verdict = checkBindingRequest(msg, from, creds);
    if (verdict.kind === 'dropped') return { ok: false, reason: verdict.reason };
    if (verdict.kind === 'rejected') return { ok: false, reason: verdict.reason, reply: verdict.reply };
    if (verdict.index === 0 && this.#previous) {
      // The peer has the new credentials (RFC 8445 §9): the old generation is done.
      this.#previous = undefined;
      this.#credentialsVersion++;
    }
    // RFC 7675 §5.1: after consent is lost the agent may answer, but sends no media until a restart.
    if (this.#state === 'failed') return { ok: true, reply: verdict.reply };
    return { ok: true, reply: verdict.reply, ...this.#consider(from, verdict.useCandidate, nowMs) };
  }

  /** Updates the selected pair and state after a valid check (RFC 8445 §7.3.1.5, §8.1.1). */
  #consider(from: IceAddress, useCandidate: boolean, nowMs: number): { selected?: IceAddress; state?: IceLiteState } {
    const out: { selected?: IceAddress; state?: IceLiteState } = {};
    const onSelected = this.#selected !== undefined && sameAddress(this.#selected, from);
    const silent = this.#selected !== undefined && nowMs - this.#lastSelectedMs >= this.#moveAfterSilentMs;
    if (!onSelected && (useCandidate || silent)) {
      this.#selected = from;
      out.selected = from;
    } else if (!onSelected) {
      return out; // a check on another pair (a backup, or one still being tried) keeps nothing alive
    }
    this.#lastSelectedMs = nowMs;
    if (this.#state !== 'connected') {
      this.#state = 'connected';
      out.state = 'connected';
    }
    return out;
  }

  /** Advances the consent timers (RFC 7675 §5.1); returns the states entered, in order. */
  tick(nowMs: number): IceLiteState[] {
    const changes: IceLiteState[] = [];
    const quiet = nowMs - this.#lastSelectedMs;
    if (this.#state === 'connected' && quiet >= this.#disconnectedMs) {
      this.#state = 'disconnected';
      changes.push('disconnected');
    }
    if ((this.#state === 'disconnected' || this.#state === 'new') && quiet >= this.#failedMs) {
      this.#state = 'failed';
      changes.push('failed');
    }
    return changes;
  }

  /** Whether media may be sent to the selected address (RFC 7675 §5.1: not once consent is lost). */
  canSend(): boolean {
    return this.#selected !== undefined && (this.#state === 'connected' || this.#state === 'disconnected');
  }

  close(): void {
    this.#state = 'closed';
    this.#selected = undefined;
  }
}
