/**
 * The one schema of ion-sfu's JSON-RPC signalling and of the `ion-sfu` data-channel API, shared by
 * the server, the test clients and the /demo page (which loads this file with its types stripped,
 * so it must stay free of imports and of non-erasable TypeScript).
 *
 * Client → server: `join` and `offer` requests, `answer` and `trickle` notifications.
 * Server → client: `offer` (a bare session description) and `trickle` notifications.
 * Validation happens here, at the edge; everything past it sees typed values.
 */

/** JSON-RPC method names (JSON-RPC 2.0 §4). */
export const Method = {
  join: 'join',
  offer: 'offer',
  answer: 'answer',
  trickle: 'trickle',
} as const;
export type Method = (typeof Method)[keyof typeof Method];

/** `trickle.target`: which of the client's two peer connections a candidate belongs to. */
export const Target = { publisher: 0, subscriber: 1 } as const;
export type Target = (typeof Target)[keyof typeof Target];

/** Label of the data channel the server opens on every subscriber connection. */
export const API_CHANNEL = 'ion-sfu';

/** Size limits applied while validating (characters). */
export const Limits = {
  sid: 256,
  uid: 256,
  sdp: 200_000,
  candidate: 1024,
  apiMessage: 4096,
  chatText: 2000,
} as const;

/** An RTCSessionDescriptionInit as ion-sdk-js serialises it (RFC 8829 §4.1.10). */
export interface SessionDescription {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

/** An RTCIceCandidateInit (RFC 8839 §5.1 candidate-attribute, without the "a="). */
export interface CandidateInit {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

/** `join.config` (ion-sfu ≥ 1.10.4 JoinConfig); keys match in any letter case. */
export interface JoinConfig {
  readonly noPublish: boolean;
  readonly noSubscribe: boolean;
  readonly noAutoSubscribe: boolean;
}

export interface JoinParams {
  readonly sid: string;
  /** empty when the client sent none */
  readonly uid: string;
  readonly offer: SessionDescription;
  readonly config: JoinConfig;
}
export interface OfferParams {
  readonly desc: SessionDescription;
}
export interface AnswerParams {
  readonly desc: SessionDescription;
}
export interface TrickleParams {
  readonly target: Target;
  readonly candidate: CandidateInit;
}

/** The typed params of each client method. */
export interface ClientParams {
  join: JoinParams;
  offer: OfferParams;
  answer: AnswerParams;
  trickle: TrickleParams;
}

/** A validation outcome: a value or a reason a client can read. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (error: string): Checked<never> => ({ ok: false, error });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a session description of the expected type. */
export function checkDescription(v: unknown, type: 'offer' | 'answer', where: string): Checked<SessionDescription> {
  if (!isObject(v)) return bad(`${where}: expected {type, sdp}`);
  if (v.type !== type) return bad(`${where}.type: expected "${type}"`);
  if (typeof v.sdp !== 'string' || !v.sdp.startsWith('v=0')) return bad(`${where}.sdp: expected an SDP text starting with "v=0"`);
  if (v.sdp.length > Limits.sdp) return bad(`${where}.sdp: longer than ${Limits.sdp} characters`);
  return ok({ type, sdp: v.sdp });
}

function flag(cfg: Record<string, unknown>, name: string): boolean | string {
  const lower = name.toLowerCase();
  const key = Object.keys(cfg).find((k) => k.toLowerCase() === lower);
  if (key === undefined) return false;
  const v = cfg[key];
  return typeof v === 'boolean' ? v : `config.${key}: expected true or false`;
}

/** `join` params: `{sid, uid?, offer, config?}`. */
export function checkJoin(p: unknown): Checked<JoinParams> {
  if (!isObject(p)) return bad('params: expected an object');
  if (typeof p.sid !== 'string' || p.sid.length === 0 || p.sid.length > Limits.sid) {
    return bad(`params.sid: expected a non-empty string of at most ${Limits.sid} characters`);
  }
  if (p.uid !== undefined && p.uid !== null && (typeof p.uid !== 'string' || p.uid.length > Limits.uid)) {
    return bad(`params.uid: expected a string of at most ${Limits.uid} characters`);
  }
  const offer = checkDescription(p.offer, 'offer', 'params.offer');
  if (!offer.ok) return offer;
  let config: JoinConfig = { noPublish: false, noSubscribe: false, noAutoSubscribe: false };
  if (p.config !== undefined && p.config !== null) {
    if (!isObject(p.config)) return bad('params.config: expected an object');
    const flags = [flag(p.config, 'NoPublish'), flag(p.config, 'NoSubscribe'), flag(p.config, 'NoAutoSubscribe')];
    const err = flags.find((f) => typeof f === 'string');
    if (typeof err === 'string') return bad(`params.${err}`);
    config = { noPublish: flags[0] === true, noSubscribe: flags[1] === true, noAutoSubscribe: flags[2] === true };
  }
  return ok({ sid: p.sid, uid: typeof p.uid === 'string' ? p.uid : '', offer: offer.value, config });
}

/** `offer` params: `{desc: {type: "offer", sdp}}` (publisher renegotiation). */
export function checkOffer(p: unknown): Checked<OfferParams> {
  if (!isObject(p)) return bad('params: expected an object');
  const desc = checkDescription(p.desc, 'offer', 'params.desc');
  return desc.ok ? ok({ desc: desc.value }) : desc;
}

/** `answer` params: `{desc: {type: "answer", sdp}}` (answer to the server's subscriber offer). */
export function checkAnswer(p: unknown): Checked<AnswerParams> {
  if (!isObject(p)) return bad('params: expected an object');
  const desc = checkDescription(p.desc, 'answer', 'params.desc');
  return desc.ok ? ok({ desc: desc.value }) : desc;
}

/** `trickle` params: `{target: 0|1, candidate: RTCIceCandidateInit}`. */
export function checkTrickle(p: unknown): Checked<TrickleParams> {
  if (!isObject(p)) return bad('params: expected an object');
  if (p.target !== Target.publisher && p.target !== Target.subscriber) return bad('params.target: expected 0 or 1');
  const c = p.candidate;
  if (!isObject(c)) return bad('params.candidate: expected an object');
  if (typeof c.candidate !== 'string' || c.candidate.length > Limits.candidate) {
    return bad(`params.candidate.candidate: expected a string of at most ${Limits.candidate} characters`);
  }
  if (c.sdpMid !== undefined && c.sdpMid !== null && typeof c.sdpMid !== 'string') {
    return bad('params.candidate.sdpMid: expected a string or null');
  }
  if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null && !Number.isInteger(c.sdpMLineIndex)) {
    return bad('params.candidate.sdpMLineIndex: expected an integer or null');
  }
  const candidate: CandidateInit = {
    candidate: c.candidate,
    sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid : null,
    sdpMLineIndex: typeof c.sdpMLineIndex === 'number' ? c.sdpMLineIndex : null,
    usernameFragment: typeof c.usernameFragment === 'string' ? c.usernameFragment : null,
  };
  return ok({ target: p.target, candidate });
}

/** Validators by method, and whether the method is a request (gets a response) or a notification. */
export const clientMethods = {
  join: { request: true, check: checkJoin },
  offer: { request: true, check: checkOffer },
  answer: { request: false, check: checkAnswer },
  trickle: { request: false, check: checkTrickle },
} as const satisfies { [M in Method]: { request: boolean; check: (p: unknown) => Checked<ClientParams[M]> } };

/** Whether `m` names a client method. */
export function isMethod(m: unknown): m is Method {
  return typeof m === 'string' && Object.hasOwn(clientMethods, m);
}

/** Server → client `offer` notification params: the bare description (not wrapped in `desc`). */
export function offerNotification(sdp: string): { method: 'offer'; params: SessionDescription } {
  return { method: Method.offer, params: { type: 'offer', sdp } };
}

/** Server → client `trickle` notification params. */
export function trickleNotification(target: Target, candidate: CandidateInit): { method: 'trickle'; params: TrickleParams } {
  return { method: Method.trickle, params: { target, candidate } };
}

// ---- the `ion-sfu` data channel API -------------------------------------------------------

/** Spatial layer names of the API (ion-sfu: high = rid "f", medium = "h", low = "q"). */
export const LayerName = ['low', 'medium', 'high'] as const;
export type LayerName = (typeof LayerName)[number];

/** Client → server: what it wants of one remote stream (RemoteStream.preferLayer/mute/unmute). */
export interface LayerPreference {
  readonly kind: 'preference';
  readonly streamId: string;
  readonly video: LayerName | 'none' | undefined;
  readonly audio: boolean | undefined;
  readonly framerate: LayerName | undefined;
}

/** Client → server: the layers a publisher now sends (LocalStream.enableLayers). */
export interface LayersEnabled {
  readonly kind: 'layers';
  readonly streamId: string;
  readonly layers: readonly LayerName[];
}

export type ApiCall = LayerPreference | LayersEnabled;

const isLayer = (v: unknown): v is LayerName => typeof v === 'string' && (LayerName as readonly string[]).includes(v);

/** Parses one text message a client sent on the `ion-sfu` channel. */
export function checkApiCall(text: string): Checked<ApiCall> {
  if (text.length > Limits.apiMessage) return bad('message too long');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  if (!isObject(v) || typeof v.streamId !== 'string') return bad('expected {streamId, ...}');
  if (v.layers !== undefined) {
    if (!Array.isArray(v.layers) || !v.layers.every(isLayer)) return bad('layers: expected low/medium/high names');
    return ok({ kind: 'layers', streamId: v.streamId, layers: v.layers });
  }
  if (v.video !== undefined && v.video !== 'none' && !isLayer(v.video)) return bad('video: expected high, medium, low or none');
  if (v.audio !== undefined && typeof v.audio !== 'boolean') return bad('audio: expected a boolean');
  if (v.framerate !== undefined && !isLayer(v.framerate)) return bad('framerate: expected high, medium or low');
  return ok({
    kind: 'preference',
    streamId: v.streamId,
    video: v.video as LayerName | 'none' | undefined,
    audio: v.audio as boolean | undefined,
    framerate: v.framerate as LayerName | undefined,
  });
}

/** Server → client on `ion-sfu`: stream ids of the current speakers, loudest first. */
export function audioLevelsMessage(streamIds: readonly string[]): string {
  return JSON.stringify({ method: 'audioLevels', params: streamIds });
}

/** Server → client on `ion-sfu`: the layer a subscriber now receives of a simulcast stream. */
export function activeLayerMessage(streamId: string, activeLayer: LayerName, availableLayers: readonly LayerName[]): string {
  return JSON.stringify({ method: 'activeLayer', params: { streamId, activeLayer, availableLayers } });
}

// ---- the demo room's chat channel ----------------------------------------------------------

/** Label of the demo's fanned-out chat channel. */
export const CHAT_CHANNEL = 'chat';

/**
 * One line on the demo's chat channel. `streamId` ties a name to a video tile; `hello` marks the
 * presence announcements clients exchange on joining ("join", answered once with "reply").
 */
export interface ChatMessage {
  readonly from: string;
  readonly text: string;
  readonly streamId?: string;
  readonly hello?: 'join' | 'reply';
}

/** Parses a chat line received on the `chat` channel. */
export function checkChat(data: unknown): Checked<ChatMessage> {
  if (typeof data !== 'string' || data.length > Limits.chatText * 2) return bad('expected a short JSON text');
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return bad('not JSON');
  }
  if (!isObject(v) || typeof v.from !== 'string' || typeof v.text !== 'string') return bad('expected {from, text}');
  if (v.text.length > Limits.chatText || v.from.length > Limits.uid) return bad('too long');
  if (v.streamId !== undefined && typeof v.streamId !== 'string') return bad('streamId: expected a string');
  if (v.hello !== undefined && v.hello !== 'join' && v.hello !== 'reply') return bad('hello: expected "join" or "reply"');
  const msg: ChatMessage = { from: v.from, text: v.text };
  return ok({
    ...msg,
    ...(typeof v.streamId === 'string' ? { streamId: v.streamId } : {}),
    ...(v.hello === 'join' || v.hello === 'reply' ? { hello: v.hello } : {}),
  });
}
