/**
 * Residence: the latency the SFU itself adds to RTP, from the kernel's receive time of a packet
 * to the end of the send of the batch that forwarded it (the native media path measures it,
 * `docs/sfu.md`, "Residence"). Kept as a histogram with fixed buckets, as Prometheus keeps
 * one; the media worker names its counters `residence.le<bound>us` (not cumulative), then
 * `residence.inf` and `residence.sumUs`. Pure: counters in, figures out.
 */

/** A residence histogram: `counts[i]` packets took at most `boundsUs[i]` (and more than the bound before); the last count has no bound. */
export interface ResidenceHistogram {
  /** upper bounds of the buckets, µs, ascending */
  readonly boundsUs: readonly number[];
  /** packets per bucket, not cumulative; one more than `boundsUs` (the unbounded last bucket) */
  readonly counts: readonly number[];
  /** the sum of every packet's residence, µs */
  readonly sumUs: number;
  /** packets in all */
  readonly count: number;
}

const BUCKET = /^residence\.le(\d+)us$/;

/** The histogram in a media worker's counters, or undefined when they hold none. */
export function residenceOf(counters: Readonly<Record<string, number>>): ResidenceHistogram | undefined {
  const buckets: Array<[number, number]> = [];
  for (const [k, v] of Object.entries(counters)) {
    const m = BUCKET.exec(k);
    if (m) buckets.push([Number(m[1]), v]);
  }
  if (buckets.length === 0) return undefined;
  buckets.sort((a, b) => a[0] - b[0]);
  const counts = [...buckets.map(([, v]) => v), counters['residence.inf'] ?? 0];
  return { boundsUs: buckets.map(([b]) => b), counts, sumUs: counters['residence.sumUs'] ?? 0, count: counts.reduce((a, b) => a + b, 0) };
}

/** What happened between two readings of the same histogram (`later` − `earlier`). */
export function residenceSince(earlier: ResidenceHistogram, later: ResidenceHistogram): ResidenceHistogram {
  const counts = later.counts.map((c, i) => c - (earlier.counts[i] ?? 0));
  return { boundsUs: later.boundsUs, counts, sumUs: later.sumUs - earlier.sumUs, count: later.count - earlier.count };
}

/**
 * The residence at quantile `q` (0 < q ≤ 1), µs, interpolated linearly inside its bucket (as
 * PromQL's histogram_quantile does); the last bound when it falls in the unbounded bucket;
 * undefined for an empty histogram.
 */
export function residenceQuantile(h: ResidenceHistogram, q: number): number | undefined {
  if (h.count <= 0 || !(q > 0 && q <= 1)) return undefined;
  const rank = q * h.count;
  let below = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] ?? 0;
    if (c > 0 && below + c >= rank) {
      const hi = h.boundsUs[i];
      if (hi === undefined) return h.boundsUs[h.boundsUs.length - 1];
      const lo = i === 0 ? 0 : (h.boundsUs[i - 1] ?? 0);
      return lo + ((hi - lo) * (rank - below)) / c;
    }
    below += c;
  }
  return h.boundsUs[h.boundsUs.length - 1];
}
