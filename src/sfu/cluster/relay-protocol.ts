/**
 * The messages nodes exchange over Redis pub/sub to relay one client's signalling from the node
 * its WebSocket reached (the entry node) to the node that owns its room. Client calls travel as
 * the JSON-RPC method and params the client sent (docs/jsonrpc.md), checked again by the owner
 * with the same schema; server notifications travel as the params of the `offer` / `trickle`
 * notification the entry node then sends. Pure: text in, typed message or reason out.
 */
import { isMethod, type Method } from '../signal/schema.ts';

/** One relayed client session, named by the entry node (a UUID). */
export type RelayRef = string;

/** Entry node → owner. `req` numbers calls that await a reply; null for notifications. */
export type ToOwner =
  | { readonly kind: 'call'; readonly from: string; readonly ref: RelayRef; readonly req: number | null; readonly method: Method; readonly params: unknown }
  | { readonly kind: 'leave'; readonly from: string; readonly ref: RelayRef };

/** Owner → entry node. */
export type ToEntry =
  /** a call's outcome: for join and offer, the answer SDP */
  | { readonly kind: 'reply'; readonly ref: RelayRef; readonly req: number; readonly ok: true; readonly sdp: string | null }
  | { readonly kind: 'reply'; readonly ref: RelayRef; readonly req: number; readonly ok: false; readonly error: string }
  /** a join reached a node that does not own the room (any more): route it again */
  | { readonly kind: 'moved'; readonly ref: RelayRef; readonly req: number }
  /** a server → client notification (`offer` or `trickle`) and its params */
  | { readonly kind: 'notify'; readonly ref: RelayRef; readonly method: 'offer' | 'trickle'; readonly params: unknown }
  /** the owner ended the session (room lost, shutting down): the client must reconnect */
  | { readonly kind: 'ended'; readonly ref: RelayRef; readonly reason: string };

export type RelayMessage = ToOwner | ToEntry;

/** A decoded message, or why it was refused. */
export type Decoded = { readonly ok: true; readonly msg: RelayMessage } | { readonly ok: false; readonly error: string };

/** Encodes a message for PUBLISH. */
export function encodeRelay(msg: RelayMessage): string {
  return JSON.stringify(msg);
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;
const isReq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function decodeObject(o: Record<string, unknown>): RelayMessage | string {
  if (!isStr(o.ref)) return 'ref: expected a string';
  const ref = o.ref;
  switch (o.kind) {
    case 'call':
      if (!isStr(o.from)) return 'from: expected a node id';
      if (!isMethod(o.method)) return 'method: not a client method';
      if (o.req !== null && !isReq(o.req)) return 'req: expected a number or null';
      return { kind: 'call', from: o.from, ref, req: o.req, method: o.method, params: o.params };
    case 'leave':
      return isStr(o.from) ? { kind: 'leave', from: o.from, ref } : 'from: expected a node id';
    case 'reply':
      if (!isReq(o.req)) return 'req: expected a number';
      if (o.ok === true && (o.sdp === null || typeof o.sdp === 'string')) return { kind: 'reply', ref, req: o.req, ok: true, sdp: o.sdp };
      if (o.ok === false && typeof o.error === 'string') return { kind: 'reply', ref, req: o.req, ok: false, error: o.error };
      return 'reply: expected ok with sdp, or an error';
    case 'moved':
      return isReq(o.req) ? { kind: 'moved', ref, req: o.req } : 'req: expected a number';
    case 'notify':
      if (o.method !== 'offer' && o.method !== 'trickle') return 'method: expected offer or trickle';
      return { kind: 'notify', ref, method: o.method, params: o.params };
    case 'ended':
      return { kind: 'ended', ref, reason: typeof o.reason === 'string' ? o.reason : 'ended' };
    default:
      return 'kind: unknown';
  }
}

/** Decodes one pub/sub message. */
export function decodeRelay(text: string): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'expected an object' };
  const r = decodeObject(v as Record<string, unknown>);
  return typeof r === 'string' ? { ok: false, error: r } : { ok: true, msg: r };
}
