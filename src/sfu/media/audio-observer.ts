/**
 * Active-speaker detection from RFC 6464 audio levels, as ion-sfu's `[router] audiolevel*` keys
 * describe it: a stream counts as speaking in an interval when enough of its packets were at or
 * louder than the threshold; speakers are listed loudest first, and the list is reported only
 * when it changes. Pure: packets and ticks are fed in.
 */

export interface AudioObserverConfig {
  /** level 0..127 (0 loudest) at or under which a packet counts */
  readonly threshold: number;
  /** interval, ms */
  readonly interval: number;
  /** percent of the expected 20 ms packets that must count */
  readonly filter: number;
}

/** Counts speaking packets per stream and reports the active-speaker list (RFC 6464 levels). */
export class AudioObserver {
  readonly #cfg: AudioObserverConfig;
  readonly #streams = new Map<string, { count: number; sum: number }>();
  #last: string[] = [];

  constructor(cfg: AudioObserverConfig) {
    this.#cfg = cfg;
  }

  /** One audio packet's level for `streamId`. */
  observe(streamId: string, level: number): void {
    if (level > this.#cfg.threshold) return;
    const s = this.#streams.get(streamId);
    if (s) {
      s.count++;
      s.sum += level;
    } else {
      this.#streams.set(streamId, { count: 1, sum: level });
    }
  }

  /** Forgets a stream that left. */
  remove(streamId: string): void {
    this.#streams.delete(streamId);
  }

  /** Ends an interval: the new speaker list if it changed, else undefined. */
  tick(): string[] | undefined {
    const needed = (this.#cfg.interval * this.#cfg.filter) / 2000;
    const active = [...this.#streams.entries()]
      .filter(([, s]) => s.count > 0 && s.count >= needed)
      .sort((a, b) => a[1].sum / a[1].count - b[1].sum / b[1].count)
      .map(([id]) => id);
    for (const s of this.#streams.values()) {
      s.count = 0;
      s.sum = 0;
    }
    if (active.length === this.#last.length && active.every((id, i) => id === this.#last[i])) return undefined;
    this.#last = active;
    return active;
  }
}
