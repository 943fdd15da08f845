/**
 * A set of `IpRange`s sorted and merged once, then asked "does it hold this address?" per
 * packet: IPv4 questions are answered with 32-bit numbers, IPv6 ones with `bigint`s, both by
 * binary search (used by the TURN peer policy, RFC 8656 §21).
 */

import { IPV4_MAPPED_BASE } from './ip.ts';
import type { IpRange } from './ip-range.ts';

const IPV4_MAPPED_LAST = IPV4_MAPPED_BASE + 0xffff_ffffn;

/** Membership tests against a fixed list of ranges. */
export interface IpRangeSet {
  /** Whether an IPv4 address (unsigned 32-bit number) lies in a range, written plain or IPv4-mapped. */
  containsIpv4(v4: number): boolean;
  /** Whether a 128-bit value lies in a range. */
  containsValue(value: bigint): boolean;
  /** Whether any range reaches outside the IPv4-mapped block, i.e. whether `containsValue` can say more than `containsIpv4`. */
  readonly reachesBeyondIpv4: boolean;
}

/** Builds an `IpRangeSet`; the ranges may overlap and come in any order. */
export function createIpRangeSet(ranges: readonly IpRange[]): IpRangeSet {
  const all = mergeRanges(ranges.map((r) => [r.from, r.to] as const));
  const ipv4Bounds: number[] = [];
  let reachesBeyondIpv4 = false;
  for (const [from, to] of all) {
    if (from < IPV4_MAPPED_BASE || to > IPV4_MAPPED_LAST) reachesBeyondIpv4 = true;
    // Merged ranges are disjoint and sorted, so their IPv4 parts are too.
    const lo = from > IPV4_MAPPED_BASE ? from : IPV4_MAPPED_BASE;
    const hi = to < IPV4_MAPPED_LAST ? to : IPV4_MAPPED_LAST;
    if (lo <= hi) ipv4Bounds.push(Number(lo - IPV4_MAPPED_BASE), Number(hi - IPV4_MAPPED_BASE));
  }
  const valueBounds = all.flat();
  return {
    containsIpv4: (v4) => inBounds(ipv4Bounds, v4),
    containsValue: (value) => inBounds(valueBounds, value),
    reachesBeyondIpv4,
  };
}

function mergeRanges(ranges: (readonly [bigint, bigint])[]): (readonly [bigint, bigint])[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [from, to] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && from <= last[1] + 1n) {
      if (to > last[1]) last[1] = to;
    } else {
      merged.push([from, to]);
    }
  }
  return merged;
}

/** Binary search in flattened, sorted, disjoint `[from0, to0, from1, to1, …]` bounds. */
function inBounds<T extends number | bigint>(bounds: readonly T[], x: T): boolean {
  let lo = 0;
  let hi = bounds.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (x < bounds[2 * mid]) hi = mid - 1;
    else if (x > bounds[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}
