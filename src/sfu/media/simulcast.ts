/**
 * Simulcast layer selection for one subscriber (RFC 8853 simulcast, RIDs per RFC 8851): which
 * of a publisher's spatial layers to forward, switching only on a keyframe of the new layer so
 * the decoder never sees a frame it cannot decode. Pure state machine.
 *
 * Layers are numbered as ion-sfu numbers RIDs: "f" = 2 (high), "h" = 1 (medium), others = 0.
 */

/** ion-sfu's RID → spatial layer mapping. */
export function layerOfRid(rid: string | undefined): number {
  return rid === 'f' ? 2 : rid === 'h' ? 1 : 0;
}

/** Per-subscriber choice of simulcast layer (RFC 8853), switched on keyframes. */
export class LayerSelector {
  readonly #bestQualityFirst: boolean;
  #available: readonly number[] = [];
  /** highest layer the subscriber accepts; -1 = video paused */
  #max = 2;
  /** highest layer the subscriber's bandwidth allows (`bwe/layer-cap.ts`); undefined = no estimate */
  #bandwidthCap: number | undefined;
  #current = -1;
  #target = -1;
  #explicit = false;

  constructor(bestQualityFirst: boolean) {
    this.#bestQualityFirst = bestQualityFirst;
  }

  get current(): number {
    return this.#current;
  }

  get target(): number {
    return this.#target;
  }

  /** The subscriber's preference: the highest layer it accepts, -1 = none. */
  get max(): number {
    return this.#max;
  }

  /** Whether a packet of `layer` could be forwarded now or after a pending switch. */
  wants(layer: number): boolean {
    return layer === this.#current || layer === this.#target;
  }

  /** The highest layer the subscriber's estimated bandwidth allows (a second upper bound). */
  setBandwidthCap(layer: number): void {
    if (this.#bandwidthCap === layer) return;
    this.#bandwidthCap = layer;
    this.#retarget();
  }

  /** The subscriber's preference (ion-sfu API `video: high|medium|low|none`). */
  setMax(layer: number): void {
    this.#max = layer;
    this.#explicit = true;
    this.#retarget();
  }

  /** Layers the publisher currently sends (ascending). */
  setAvailable(layers: readonly number[]): void {
    this.#available = [...layers].sort((a, b) => a - b);
    this.#retarget();
  }

  #retarget(): void {
    if (this.#max < 0) {
      this.#target = -1;
      this.#current = -1;
      return;
    }
    if (this.#available.length === 0) return;
    const max = Math.min(this.#max, this.#bandwidthCap ?? this.#max);
    const allowed = this.#available.filter((l) => l <= max);
    const pool = allowed.length > 0 ? allowed : this.#available.slice(0, 1);
    // An explicit preference, an estimate or bestqualityfirst goes as high as allowed; otherwise start low and stay.
    if (this.#explicit || this.#bestQualityFirst || this.#bandwidthCap !== undefined) this.#target = pool.at(-1) as number;
    else this.#target = pool.includes(this.#current) ? this.#current : pool[0];
  }

  /** Whether to forward a packet of `layer`; a keyframe of the target layer completes a switch. */
  accept(layer: number, keyframe: boolean): boolean {
    if (this.#target < 0) return false;
    if (layer === this.#target && layer !== this.#current && keyframe) this.#current = layer;
    return layer === this.#current;
  }

  /** The layer a keyframe is needed on to finish a pending switch, if any. */
  pendingKeyframe(): number | undefined {
    return this.#target >= 0 && this.#target !== this.#current ? this.#target : undefined;
  }
}
