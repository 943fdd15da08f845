/**
 * Random bytes from a pool refilled by the operating system's CSPRNG a few kilobytes at a time:
 * relay ports, reservation tokens and the transaction ids of Data indications ask for a few
 * bytes each, often, and one `randomFillSync` call per 4 KiB costs far less than one per ask.
 */
import { randomFillSync } from 'node:crypto';

const POOL = 4096;

/** A `(n) => bytes` drawing from its own pool; every result is a fresh copy. */
export function pooledRandom(): (n: number) => Uint8Array {
  const pool = new Uint8Array(POOL);
  let used = POOL;
  return (n) => {
    if (n > POOL) return randomFillSync(new Uint8Array(n));
    if (used + n > POOL) {
      randomFillSync(pool);
      used = 0;
    }
    const out = pool.slice(used, used + n);
    used += n;
    return out;
  };
}
