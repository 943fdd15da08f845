/**
 * What each simulcast layer of an up-track costs to forward, bit/s: bytes counted per layer and
 * turned into a smoothed rate every half second. A layer that stopped (paused by the publisher)
 * keeps its last rate, and a layer never seen is assumed to cost what a browser's default
 * simulcast encodings aim at, so the allocator can still price it. Pure: times in ms.
 */

/** Typical rates of Chromium's q/h/f encodings for a 720p camera, bit/s (a guess until measured). */
const ASSUMED_BPS = [150_000, 500_000, 1_500_000];
const WINDOW_MS = 500;
const SMOOTHING = 0.5;

/** Per-layer forwarding rates of one up-track. */
export class LayerRates {
  readonly #bytes: number[] = [];
  readonly #bps: number[] = [];
  #windowStartMs: number | undefined;

  /** Counts one packet of `layer`. */
  onPacket(layer: number, size: number): void {
    this.#bytes[layer] = (this.#bytes[layer] ?? 0) + size;
  }

  /** Closes the measuring window when it is due. */
  tick(nowMs: number): void {
    this.#windowStartMs ??= nowMs;
    const span = nowMs - this.#windowStartMs;
    if (span < WINDOW_MS) return;
    this.#windowStartMs = nowMs;
    this.#bytes.forEach((bytes, layer) => {
      if (bytes === undefined || bytes === 0) return; // a silent layer keeps its last rate
      const bps = (bytes * 8 * 1000) / span;
      const old = this.#bps[layer];
      this.#bps[layer] = old === undefined ? bps : SMOOTHING * old + (1 - SMOOTHING) * bps;
      this.#bytes[layer] = 0;
    });
  }

  /** Measured (or assumed) rate of every layer up to `top`, ascending and never decreasing. */
  costs(top: number): number[] {
    const out: number[] = [];
    for (let l = 0; l <= top; l++) {
      const v = this.#bps[l] ?? ASSUMED_BPS[Math.min(l, ASSUMED_BPS.length - 1)];
      out.push(Math.max(v, out.at(-1) ?? 0));
    }
    return out;
  }

  /** Sum of the measured rates, bit/s (what an audio track costs). */
  get total(): number {
    return this.#bps.reduce((n, v) => n + (v ?? 0), 0);
  }
}
