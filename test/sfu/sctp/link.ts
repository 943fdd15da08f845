/**
 * Two SCTP associations joined by a simulated link with loss, duplication and reordering,
 * driven by a virtual clock: no real time passes in the tests.
 */
import { SctpAssociation, type SctpOptions } from '../../../src/sfu/sctp/index.ts';

/** Small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randomBytesFrom = (rng: () => number) => (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));

export interface LinkOptions {
  seed?: number;
  loss?: number;
  duplicate?: number;
  /** Extra random delay in ms, which reorders packets. */
  jitterMs?: number;
  delayMs?: number;
  sctp?: Partial<SctpOptions>;
}

interface InFlight {
  to: 'a' | 'b';
  at: number;
  seq: number;
  bytes: Uint8Array;
}

export class Link {
  now = 0;
  readonly a: SctpAssociation;
  readonly b: SctpAssociation;
  /** Set to intercept packets: return false to drop one. */
  filter: (from: 'a' | 'b', bytes: Uint8Array) => boolean = () => true;
  readonly sent = { a: [] as Uint8Array[], b: [] as Uint8Array[] };
  private readonly rng: () => number;
  private readonly o: LinkOptions;
  private queue: InFlight[] = [];
  private seq = 0;

  constructor(o: LinkOptions = {}) {
    this.o = o;
    this.rng = seeded(o.seed ?? 1);
    this.a = new SctpAssociation({ random: randomBytesFrom(seeded((o.seed ?? 1) * 7 + 1)), ...o.sctp });
    this.b = new SctpAssociation({ random: randomBytesFrom(seeded((o.seed ?? 1) * 7 + 2)), ...o.sctp });
  }

  /** Collects what both ends want to send and puts it on the wire. */
  pump(): void {
    for (const side of ['a', 'b'] as const) {
      const from = side === 'a' ? this.a : this.b;
      for (const bytes of from.pollTransmit(this.now)) {
        this.sent[side].push(bytes);
        if (!this.filter(side, bytes)) continue;
        if (this.rng() < (this.o.loss ?? 0)) continue;
        const copies = this.rng() < (this.o.duplicate ?? 0) ? 2 : 1;
        for (let k = 0; k < copies; k++) {
          const at = this.now + (this.o.delayMs ?? 5) + this.rng() * (this.o.jitterMs ?? 0);
          this.queue.push({ to: side === 'a' ? 'b' : 'a', at, seq: this.seq++, bytes });
        }
      }
    }
  }

  /** Runs until `done` holds or `limitMs` of virtual time passes; returns whether it held. */
  run(done: () => boolean, limitMs = 120_000): boolean {
    const end = this.now + limitMs;
    for (;;) {
      this.pump();
      if (done()) return true;
      const times = [this.a.nextDeadline(), this.b.nextDeadline(), ...this.queue.map((p) => p.at)].filter((t): t is number => t !== undefined);
      if (times.length === 0) return done();
      const next = Math.max(this.now, Math.min(...times));
      if (next > end) return done();
      this.now = next;
      this.queue.sort((x, y) => x.at - y.at || x.seq - y.seq);
      while (this.queue.length > 0 && this.queue[0].at <= this.now) {
        const p = this.queue.shift() as InFlight;
        (p.to === 'a' ? this.a : this.b).handlePacket(p.bytes, this.now);
      }
      for (const x of [this.a, this.b]) {
        const d = x.nextDeadline();
        if (d !== undefined && d <= this.now) x.handleTimeout(this.now);
      }
    }
  }
}
