/**
 * Signed join tokens: a JSON Web Token (RFC 7519) in compact JWS form (RFC 7515 §7.1), signed
 * with HMAC-SHA-256 (`HS256`, RFC 7518 §3.2) under the SFU's `[auth] jwtsecret`, naming the
 * room a client may join, who it is, and whether it may publish and subscribe. The client
 * carries it in the WebSocket URL (`/ws?access_token=…`); a `join` it does not cover gets a
 * JSON-RPC error that says why. Pure: the time is passed in.
 *
 * Claims: `room` (the `join.sid` it admits), `sub` (the identity, `join.uid`; optional),
 * `publish` and `subscribe` (default true), `exp` (required) and `nbf` (optional), NumericDate
 * seconds (RFC 7519 §2).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Outcome } from '../types/outcome.ts';
import type { JoinParams } from '../types/schema.ts';

/** What a valid token lets its holder do. */
export interface JoinGrant {
  readonly room: string;
  /** the only `uid` the holder may join as; undefined: any */
  readonly identity: string | undefined;
  readonly publish: boolean;
  readonly subscribe: boolean;
}

/** The claims of a token to sign. */
export interface JoinTokenClaims {
  readonly room: string;
  readonly identity?: string;
  readonly publish?: boolean;
  readonly subscribe?: boolean;
  /** NumericDate seconds */
  readonly exp: number;
  readonly nbf?: number;
  readonly iat?: number;
}

/** Longest token read (characters): a URL query stays far below this. */
const MAX_TOKEN_CHARS = 4096;

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function mac(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Signs a token (RFC 7515 §7.1 compact serialisation). */
export function signJoinToken(claims: JoinTokenClaims, secret: string): string {
  const payload: Record<string, unknown> = { room: claims.room };
  if (claims.identity !== undefined) payload.sub = claims.identity;
  if (claims.publish === false) payload.publish = false;
  if (claims.subscribe === false) payload.subscribe = false;
  if (claims.iat !== undefined) payload.iat = claims.iat;
  if (claims.nbf !== undefined) payload.nbf = claims.nbf;
  payload.exp = claims.exp;
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(mac(secret, input))}`;
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (why: string): Outcome<never> => ({ ok: false, error: `join refused: ${why}` });
const isDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks a token's form, signature and validity window at `nowSec`; returns what it grants. */
export function verifyJoinToken(token: string, secret: string, nowSec: number): Outcome<JoinGrant> {
  if (token.length > MAX_TOKEN_CHARS) return refuse('access_token too long');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return refuse('access_token is not a JWT');
  const [h, p, s] = parts as [string, string, string];
  const header = jsonPart(h);
  // RFC 8725 §3.1: only the one algorithm configured is accepted ("none" and RS256 included).
  if (!header || header.alg !== 'HS256') return refuse('access_token must be signed with HS256');
  const expected = mac(secret, `${h}.${p}`);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('access_token signature does not match');
  const c = jsonPart(p);
  if (!c) return refuse('access_token claims are not a JSON object');
  if (typeof c.room !== 'string' || c.room === '') return refuse('access_token names no room');
  if (!isDate(c.exp)) return refuse('access_token has no expiry (exp)');
  if (nowSec >= c.exp) return refuse('access_token expired');
  if (c.nbf !== undefined && (!isDate(c.nbf) || nowSec < c.nbf)) return refuse('access_token not valid yet (nbf)');
  if (c.sub !== undefined && typeof c.sub !== 'string') return refuse('access_token sub must be a string');
  return {
    ok: true,
    value: { room: c.room, identity: c.sub, publish: c.publish !== false, subscribe: c.subscribe !== false },
  };
}

/**
 * Admits a `join` under a secret: the token must be valid and name the room (and, if it names
 * one, the uid). Rights become ion-sfu's join flags, so they travel with the join wherever the
 * room lives (on a cluster, to the room's node).
 */
export function admitJoin(params: JoinParams, token: string | undefined, secret: string, nowSec: number): Outcome<JoinParams> {
  if (token === undefined || token === '') return refuse('no access_token in the WebSocket URL');
  const g = verifyJoinToken(token, secret, nowSec);
  if (!g.ok) return g;
  const grant = g.value;
  if (grant.room !== params.sid) return refuse(`access_token is for another room than "${params.sid.slice(0, 64)}"`);
  if (grant.identity !== undefined && params.uid !== '' && params.uid !== grant.identity) {
    return refuse(`access_token is for another identity than "${params.uid.slice(0, 64)}"`);
  }
  const config = {
    noPublish: params.config.noPublish || !grant.publish,
    noSubscribe: params.config.noSubscribe || !grant.subscribe,
    noAutoSubscribe: params.config.noAutoSubscribe,
  };
  return { ok: true, value: { ...params, uid: grant.identity ?? params.uid, config } };
}

/** The `access_token` query parameter of a request URL, if any. */
export function tokenOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return new URL(url, 'http://localhost').searchParams.get('access_token') ?? undefined;
}
