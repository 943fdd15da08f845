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
  /** drop reason → count */
  readonly drops = new Map<string, number>();

  /** Counts one dropped packet or request. */
  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
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
    };
    for (const [k, v] of this.drops) out[`drop.${k}`] = v;
    return out;
  }
}
