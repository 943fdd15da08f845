/**
 * Many ICE-lite agents on one shared UDP port (the "single port" mode of an SFU): a STUN check
 * finds its agent by the local ufrag its USERNAME names (RFC 8445 §7.2.2), every other datagram
 * (DTLS, SRTP, SRTCP — RFC 7983 §7) by its source address, once a check from that address has
 * been nominated. Sans-IO: the driver reads the socket and sends what comes back.
 */
import { classifyPacket, type DecodedStunMessage } from '../../stun/index.ts';
import { decodeStun, usernameUfrag } from './ice-check.ts';
import type { IceAddress, IceLiteAgent, IceStunResult } from './ice-lite.ts';
import type { Outcome } from '../types/outcome.ts';

/** Where a datagram goes. */
export type IceRoute =
  | { readonly kind: 'stun'; readonly agent: IceLiteAgent; readonly message: DecodedStunMessage }
  | { readonly kind: 'media'; readonly agent: IceLiteAgent }
  | { readonly kind: 'dropped'; readonly reason: 'malformed-stun' | 'no-username' | 'unknown-ufrag' | 'unknown-address' };

/** A handled datagram: the agent it went to and what the agent made of it. */
export type IceDemuxResult =
  | { readonly kind: 'stun'; readonly agent: IceLiteAgent; readonly result: IceStunResult }
  | { readonly kind: 'media'; readonly agent: IceLiteAgent }
  | { readonly kind: 'dropped'; readonly reason: 'malformed-stun' | 'no-username' | 'unknown-ufrag' | 'unknown-address' };

/** Table key of a transport address. */
export function addressKey(a: IceAddress): string {
  return `${a.address}|${a.port}`;
}

interface Entry {
  ufrags: string[];
  version: number;
  address: string | undefined;
}

/** The agents sharing one UDP port. */
export class IceLiteDemux {
  readonly #byUfrag = new Map<string, IceLiteAgent>();
  readonly #byAddress = new Map<string, IceLiteAgent>();
  readonly #entries = new Map<IceLiteAgent, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  /** Adds an agent; fails if one of its ufrags is already taken on this port. */
  add(agent: IceLiteAgent): Outcome<void> {
    if (this.#entries.has(agent)) return { ok: true, value: undefined };
    const taken = agent.localUfrags().find((u) => this.#byUfrag.has(u));
    if (taken !== undefined) return { ok: false, error: `ICE ufrag ${taken} is already in use on this port` };
    const entry: Entry = { ufrags: [], version: -1, address: undefined };
    this.#entries.set(agent, entry);
    return this.#index(agent, entry);
  }

  /** Re-reads an agent's ufrags (call after `agent.restart()`); fails on a collision. */
  update(agent: IceLiteAgent): Outcome<void> {
    const entry = this.#entries.get(agent);
    if (!entry) return { ok: false, error: 'agent is not on this port' };
    return entry.version === agent.credentialsVersion ? { ok: true, value: undefined } : this.#index(agent, entry);
  }

  #index(agent: IceLiteAgent, entry: Entry): Outcome<void> {
    const ufrags = agent.localUfrags();
    const taken = ufrags.find((u) => this.#byUfrag.has(u) && this.#byUfrag.get(u) !== agent);
    if (taken !== undefined) return { ok: false, error: `ICE ufrag ${taken} is already in use on this port` };
    for (const u of entry.ufrags) if (this.#byUfrag.get(u) === agent) this.#byUfrag.delete(u);
    for (const u of ufrags) this.#byUfrag.set(u, agent);
    entry.ufrags = ufrags;
    entry.version = agent.credentialsVersion;
    return { ok: true, value: undefined };
  }

  remove(agent: IceLiteAgent): void {
    const entry = this.#entries.get(agent);
    if (!entry) return;
    for (const u of entry.ufrags) if (this.#byUfrag.get(u) === agent) this.#byUfrag.delete(u);
    if (entry.address !== undefined && this.#byAddress.get(entry.address) === agent) this.#byAddress.delete(entry.address);
    this.#entries.delete(agent);
  }

  /** The agent whose selected pair is `from`, if any. */
  agentAt(from: IceAddress): IceLiteAgent | undefined {
    return this.#byAddress.get(addressKey(from));
  }

  /** Picks the agent for a datagram (RFC 7983 §7: first byte 0–3 is STUN). Never throws. */
  route(bytes: Uint8Array, from: IceAddress): IceRoute {
    if (classifyPacket(bytes) !== 'stun') {
      const agent = this.agentAt(from);
      return agent ? { kind: 'media', agent } : { kind: 'dropped', reason: 'unknown-address' };
    }
    const message = decodeStun(bytes);
    if (!message) return { kind: 'dropped', reason: 'malformed-stun' };
    const ufrag = usernameUfrag(message);
    if (ufrag === undefined) {
      // A request without USERNAME (400) or an indication: its sender's agent, if it has one.
      const agent = this.agentAt(from);
      return agent ? { kind: 'stun', agent, message } : { kind: 'dropped', reason: 'no-username' };
    }
    const agent = this.#byUfrag.get(ufrag);
    return agent ? { kind: 'stun', agent, message } : { kind: 'dropped', reason: 'unknown-ufrag' };
  }

  /** Routes a datagram and, for STUN, lets the agent answer; keeps the address table in step. */
  handle(bytes: Uint8Array, from: IceAddress, nowMs: number): IceDemuxResult {
    const r = this.route(bytes, from);
    if (r.kind !== 'stun') return r;
    const result = r.agent.handleMessage(r.message, from, nowMs);
    const entry = this.#entries.get(r.agent);
    if (entry) {
      if (result.ok && result.selected) this.#moveAddress(r.agent, entry, addressKey(result.selected));
      if (entry.version !== r.agent.credentialsVersion) this.#index(r.agent, entry);
    }
    return { kind: 'stun', agent: r.agent, result };
  }

  #moveAddress(agent: IceLiteAgent, entry: Entry, key: string): void {
    if (entry.address !== undefined && this.#byAddress.get(entry.address) === agent) this.#byAddress.delete(entry.address);
    // The address may have belonged to another connection (a NAT reusing a port): it is this one's now.
    const previous = this.#byAddress.get(key);
    if (previous && previous !== agent) {
      const e = this.#entries.get(previous);
      if (e) e.address = undefined;
    }
    this.#byAddress.set(key, agent);
    entry.address = key;
  }
}
