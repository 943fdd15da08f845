/**
 * A TURN client for one allocation (RFC 8656 §7–§11) over one `ServerConnection`: it sends
 * requests, answers the server's long-term credential challenge (401 then retry with
 * REALM/NONCE/MESSAGE-INTEGRITY, 438 then retry with the new nonce; RFC 8489 §9.2), checks
 * the integrity of answers, and reports every outcome as a value.
 */
import { Attr, MessageClass, Method, type StunAttribute, type TransportAddress } from '../stun/types.ts';
import { getAttribute, verifyMessageIntegrity, verifyMessageIntegritySha256, type DecodedStunMessage } from '../stun/index.ts';
import { TurnpikeError } from '../errors.ts';
import type { ServerConnection } from './server-connection.ts';
import { newTransactionId, type RetransmitOptions } from './transactions.ts';
import {
  allocateAttributes,
  channelBindAttributes,
  createPermissionAttributes,
  decideAuth,
  describeError,
  initialAuth,
  readAllocateSuccess,
  refreshAttributes,
  signedRequest,
  type AllocateParams,
  type AllocateResult,
  type AuthState,
  type LongTermCredentials,
} from './turn-requests.ts';

/** The result of a TURN transaction: the value, or why not (a STUN error code, 0 for no answer). */
export type TurnOutcome<T> = { ok: true; value: T } | { ok: false; code: number; reason: string };

/**
 * Realm, nonce and key shared by the clients of one run: RFC 8489 §9.2.3.2 has a client
 * cache them for later requests to the same server, which saves each new allocation the
 * 401 round trip (and the server the unauthenticated answers it rate-limits).
 */
export interface AuthCache {
  auth: AuthState | undefined;
}

/** One allocation's client side. */
export class TurnClient {
  /** the path to the server; another one after an RFC 8016 move (`moveTo`) */
  conn: ServerConnection;
  readonly #credentials: LongTermCredentials | undefined;
  readonly #cache: AuthCache | undefined;
  #auth: AuthState;
  /** the current nonce came from the cache, not from this client's own challenge */
  #borrowed: boolean;
  #retransmit: RetransmitOptions;

  constructor(conn: ServerConnection, credentials: LongTermCredentials | undefined, retransmit: RetransmitOptions = {}, cache?: AuthCache) {
    this.conn = conn;
    this.#credentials = credentials;
    this.#cache = cache;
    this.#borrowed = cache?.auth !== undefined;
    this.#auth = cache?.auth ?? initialAuth(credentials);
    this.#retransmit = retransmit;
  }

  /** Changes the retransmission settings of later requests (short ones when tearing down). */
  setRetransmit(retransmit: RetransmitOptions): void {
    this.#retransmit = retransmit;
  }

  /**
   * Sends a request and follows the credential challenge; resolves with the final success
   * response, or with the error code and reason of the final error.
   */
  async exchange(method: number, attributes: StunAttribute[]): Promise<TurnOutcome<DecodedStunMessage>> {
    for (let attempt = 1; ; attempt++) {
      const { msg, opts } = signedRequest(method, attributes, this.#auth, newTransactionId());
      let answer: DecodedStunMessage;
      try {
        answer = await this.conn.transactions.request(msg, (b) => this.conn.send(b), opts, this.#retransmit);
      } catch (err) {
        if (err instanceof TurnpikeError) return { ok: false, code: 0, reason: `no answer from the server: ${err.message}` };
        throw err;
      }
      let decision = decideAuth(answer, this.#auth, attempt);
      if (decision.kind === 'fail' && this.#borrowed) {
        // A server may tie nonces to one client's 5-tuple: take its challenge as a first one.
        decision = decideAuth(answer, initialAuth(this.#credentials), attempt);
      }
      this.#borrowed = false;
      if (decision.kind === 'fail') return { ok: false, code: decision.code, reason: decision.reason };
      if (decision.kind === 'retry') {
        this.#auth = decision.auth;
        continue;
      }
      // RFC 8489 §9.2.5: an answer that carries MESSAGE-INTEGRITY must match our key.
      if (this.#auth.key !== undefined && answer.integrityOffset >= 0 && answer.integritySha256Offset < 0 && !verifyMessageIntegrity(answer, this.#auth.key)) {
        return { ok: false, code: 0, reason: 'the answer fails its MESSAGE-INTEGRITY check' };
      }
      if (this.#auth.key !== undefined && answer.integritySha256Offset >= 0 && !verifyMessageIntegritySha256(answer, this.#auth.key)) {
        return { ok: false, code: 0, reason: 'the answer fails its MESSAGE-INTEGRITY-SHA256 check' };
      }
      if (answer.class === MessageClass.SuccessResponse) {
        if (this.#cache !== undefined && this.#auth.key !== undefined) this.#cache.auth = this.#auth;
        return { ok: true, value: answer };
      }
      return { ok: false, code: getAttribute(answer, Attr.ErrorCode)?.code ?? 0, reason: describeError(answer) };
    }
  }

  /** Allocate (RFC 8656 §7.1). */
  async allocate(params: AllocateParams): Promise<TurnOutcome<AllocateResult>> {
    const r = await this.exchange(Method.Allocate, allocateAttributes(params));
    if (!r.ok) return r;
    const result = readAllocateSuccess(r.value);
    return result === undefined ? { ok: false, code: 0, reason: 'the success response has no XOR-RELAYED-ADDRESS' } : { ok: true, value: result };
  }

  /** CreatePermission for `peers` (RFC 8656 §9.1). */
  async createPermission(peers: readonly TransportAddress[]): Promise<TurnOutcome<void>> {
    const r = await this.exchange(Method.CreatePermission, createPermissionAttributes(peers));
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** ChannelBind `channel` to `peer` (RFC 8656 §11.1); also refreshes an existing binding (§11.3). */
  async channelBind(channel: number, peer: TransportAddress): Promise<TurnOutcome<void>> {
    const r = await this.exchange(Method.ChannelBind, channelBindAttributes(channel, peer));
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /**
   * RFC 8016 §3.2: moves the allocation to `conn` (a new socket or connection: a new 5-tuple)
   * with a Refresh that carries `ticket`, sent from there. Resolves with the next ticket; the
   * old connection is the caller's to close.
   */
  async moveTo(conn: ServerConnection, ticket: Uint8Array, lifetime = 600): Promise<TurnOutcome<Uint8Array | undefined>> {
    this.conn = conn;
    const r = await this.exchange(Method.Refresh, [...refreshAttributes(lifetime), { type: Attr.MobilityTicket, value: ticket }]);
    return r.ok ? { ok: true, value: getAttribute(r.value, Attr.MobilityTicket) } : r;
  }

  /** Refresh (RFC 8656 §7.2); `lifetime` 0 deletes the allocation. */
  async refresh(lifetime: number): Promise<TurnOutcome<void>> {
    const r = await this.exchange(Method.Refresh, refreshAttributes(lifetime));
    return r.ok ? { ok: true, value: undefined } : r;
  }
}
