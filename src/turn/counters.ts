import type { DropReason } from './drop-reason.ts';

/**
 * What the TURN core counts: requests, answers, relayed traffic and every kind of drop with
 * its reason, so bad input is visible in metrics and logs instead of vanishing.
 */
export class CoreCounters {
  requests = 0;
  errorResponses = 0;
  successResponses = 0;
  allocationsCreated = 0;
  allocationsDeleted = 0;
  channelDataIn = 0;
  channelDataOut = 0;
  sendIndicationsIn = 0;
  dataIndicationsOut = 0;
  /** Binding indications (RFC 8489 §6.3.2 keepalives) */
  keepalives = 0;
  /** Binding requests, their success answers and their error answers (coturn's stun_binding_*) */
  bindingRequests = 0;
  bindingResponses = 0;
  bindingErrors = 0;
  /** 401 answers sent, and those the unauthenticated budget held back (coturn's turn_unauthenticated_401_*) */
  unauthenticated401Sent = 0;
  unauthenticated401Dropped = 0;
  /** RFC 6062 peer data connections: established (Connect) or accepted (inbound), bound to a client connection, closed */
  tcpConnectionsOpened = 0;
  tcpConnectionsBound = 0;
  tcpConnectionsClosed = 0;
  /** Allocates answered 300 Try Alternate (RFC 8489 §10), by a rotation or the fleet redirect */
  tryAlternates = 0;
  /** drop reason → count, of the core's own decisions */
  readonly #drops = new Map<DropReason, number>();
  /** counters kept elsewhere (a native data plane), by the names `snapshot` uses */
  readonly #sources: (() => Record<string, number>)[] = [];

  /** Counts one dropped packet or request. */
  drop(reason: DropReason): void {
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + 1);
  }

  /**
   * Adds counters kept outside the core, named as `snapshot` names them (`channelDataIn`,
   * `drop.<reason>`, …); reading them merges them with the core's own.
   */
  addSource(read: () => Record<string, number>): void {
    this.#sources.push(read);
  }

  /** drop reason → count, the core's and every source's together. */
  get drops(): Map<DropReason, number> {
    if (this.#sources.length === 0) return this.#drops;
    const all = new Map(this.#drops);
    for (const read of this.#sources) {
      for (const [k, v] of Object.entries(read())) {
        if (!k.startsWith('drop.') || v === 0) continue;
        const reason = k.slice(5) as DropReason;
        all.set(reason, (all.get(reason) ?? 0) + v);
      }
    }
    return all;
  }

  /** Sum of all drops. */
  get dropped(): number {
    let n = 0;
    for (const v of this.drops.values()) n += v;
    return n;
  }

  /** A flat snapshot for logs, metrics and tests. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      requests: this.requests,
      errorResponses: this.errorResponses,
      successResponses: this.successResponses,
      allocationsCreated: this.allocationsCreated,
      allocationsDeleted: this.allocationsDeleted,
      channelDataIn: this.channelDataIn,
      channelDataOut: this.channelDataOut,
      sendIndicationsIn: this.sendIndicationsIn,
      dataIndicationsOut: this.dataIndicationsOut,
      keepalives: this.keepalives,
      bindingRequests: this.bindingRequests,
      bindingResponses: this.bindingResponses,
      bindingErrors: this.bindingErrors,
      unauthenticated401Sent: this.unauthenticated401Sent,
      unauthenticated401Dropped: this.unauthenticated401Dropped,
      tcpConnectionsOpened: this.tcpConnectionsOpened,
      tcpConnectionsBound: this.tcpConnectionsBound,
      tcpConnectionsClosed: this.tcpConnectionsClosed,
      tryAlternates: this.tryAlternates,
    };
    for (const read of this.#sources) {
      for (const [k, v] of Object.entries(read())) if (!k.startsWith('drop.') && k in out) out[k] += v;
    }
    for (const [k, v] of this.drops) out[`drop.${k}`] = v;
    return out;
  }
}
