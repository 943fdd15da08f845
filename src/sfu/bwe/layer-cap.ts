/**
 * The highest simulcast layer a subscriber's bandwidth allows for one video down-track, with
 * hysteresis. Down at once when the current layer no longer fits its share of a falling estimate
 * (a receiver-side estimate starts low and climbs for seconds; a rising estimate below the
 * layer's cost is a ramp, not congestion, and is only acted on after 8 s); up
 * directly when the next layer fits with 25 % headroom for a second; otherwise up by trial:
 * a receiver-side estimate (REMB) cannot grow far past what it receives (GCC bounds it at
 * 1.5× the incoming rate), so after a quiet spell the next layer is tried, kept if the estimate
 * grows to carry it, and dropped again, with the next try twice as far away, if the estimate
 * falls. The caller's layer switch still happens at a keyframe. Pure: times in ms.
 */

const UP_HEADROOM = 1.25;
const UP_STABLE_MS = 1000;
const TRIAL_FIRST_MS = 3000;
const TRIAL_MAX_GAP_MS = 12_000;
const TRIAL_MAX_MS = 15_000;
/** an estimate below this fraction of the one a trial started from means the trial congested the path */
const TRIAL_FAILED = 0.85;
/** an estimate this much below the last one is falling: the receiver saw congestion */
const FALLING = 0.97;
const FALL_MEMORY_MS = 1500;
const BELOW_PATIENCE_MS = 8000;

interface Trial {
  readonly startBps: number;
  readonly startMs: number;
}

/** Per-down-track bandwidth cap on the simulcast layer. */
export class LayerCap {
  #cap: number;
  #lastChangeMs = -Infinity;
  #fitsSinceMs: number | undefined;
  #trial: Trial | undefined;
  #trialGapMs = TRIAL_FIRST_MS;
  #lastShare: number | undefined;
  #lastFallMs = -Infinity;
  #belowSinceMs: number | undefined;
  /** layer changes so far, down and up, for stats */
  downs = 0;
  ups = 0;

  constructor(top: number) {
    this.#cap = top;
  }

  get cap(): number {
    return this.#cap;
  }

  get trying(): boolean {
    return this.#trial !== undefined;
  }

  /**
   * Updates the cap from this track's share of the estimate. `layerBps[l]` is what layer l
   * costs; `top` the highest layer the subscriber's preference allows.
   */
  update(shareBps: number, layerBps: readonly number[], top: number, nowMs: number): number {
    if (this.#lastShare !== undefined && shareBps < this.#lastShare * FALLING) this.#lastFallMs = nowMs;
    this.#lastShare = shareBps;
    if (top < 0) return this.#set(-1, nowMs);
    if (this.#cap > top) this.#set(top, nowMs);
    const cost = (l: number) => layerBps[Math.max(0, Math.min(l, layerBps.length - 1))];
    if (this.#trial) return this.#judgeTrial(shareBps, cost(this.#cap), nowMs);
    // Down: the highest layer that fits (layer 0 always stays: a low picture beats none).
    let fits = this.#cap;
    while (fits > 0 && cost(fits) > shareBps) fits--;
    if (fits < this.#cap) {
      this.#belowSinceMs ??= nowMs;
      if (nowMs - this.#lastFallMs > FALL_MEMORY_MS && nowMs - this.#belowSinceMs < BELOW_PATIENCE_MS) return this.#cap;
      this.downs++;
      return this.#set(fits, nowMs);
    }
    this.#belowSinceMs = undefined;
    if (this.#cap >= top || this.#cap >= layerBps.length - 1) return this.#cap;
    const next = this.#cap + 1;
    if (cost(next) * UP_HEADROOM <= shareBps) {
      this.#fitsSinceMs ??= nowMs;
      if (nowMs - this.#fitsSinceMs >= UP_STABLE_MS) {
        this.ups++;
        return this.#set(next, nowMs);
      }
      return this.#cap;
    }
    this.#fitsSinceMs = undefined;
    // A trial only from a layer that fits: an estimate below even that is no time to probe.
    if (cost(this.#cap) <= shareBps && nowMs - this.#lastChangeMs >= this.#trialGapMs) {
      this.#trial = { startBps: shareBps, startMs: nowMs };
      this.ups++;
      this.#cap = next;
      this.#lastChangeMs = nowMs;
    }
    return this.#cap;
  }

  #judgeTrial(shareBps: number, cost: number, nowMs: number): number {
    const t = this.#trial as Trial;
    if (shareBps >= cost) {
      // The path carries the new layer: keep it, and let the next trial come soon.
      this.#trial = undefined;
      this.#trialGapMs = TRIAL_FIRST_MS;
      return this.#cap;
    }
    if (shareBps < t.startBps * TRIAL_FAILED || nowMs - t.startMs >= TRIAL_MAX_MS) {
      this.#trial = undefined;
      this.#trialGapMs = Math.min(TRIAL_MAX_GAP_MS, this.#trialGapMs * 2);
      this.downs++;
      return this.#set(this.#cap - 1, nowMs);
    }
    return this.#cap;
  }

  #set(cap: number, nowMs: number): number {
    if (cap !== this.#cap) this.#lastChangeMs = nowMs;
    this.#cap = cap;
    this.#fitsSinceMs = undefined;
    this.#belowSinceMs = undefined;
    if (cap < 0) this.#trial = undefined;
    return cap;
  }
}

/** One video down-track as the allocator sees it. */
export interface CapDemand {
  readonly cap: LayerCap;
  readonly layerBps: readonly number[];
  /** highest layer the subscriber's preference allows (-1 = video off) */
  readonly top: number;
}

/**
 * Splits a subscriber's estimate over its video down-tracks (audio first, then equal shares,
 * each track passing what it does not use on to the next) and updates each cap.
 */
export function allocateLayers(estimateBps: number, audioBps: number, tracks: readonly CapDemand[], nowMs: number): void {
  let left = Math.max(0, estimateBps - audioBps);
  tracks.forEach((t, i) => {
    const share = left / (tracks.length - i);
    const cap = t.cap.update(share, t.layerBps, t.top, nowMs);
    if (cap >= 0) left -= Math.min(share, t.layerBps[Math.min(cap, t.layerBps.length - 1)] ?? 0);
  });
}
