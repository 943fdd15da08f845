/**
 * What every room object shares: configuration, the transport factory, counters, the logger,
 * the clocks and the timers.
 */
import { randomInt } from 'node:crypto';
import type { SfuConfig } from '../config-types.ts';
import type { MediaCounters } from '../media/counters.ts';
import type { LoadMonitor } from '../media/load-monitor.ts';
import type { SfuLog } from '../types/log.ts';
import type { TransportFactory } from '../transport/types.ts';
import type { RoomTimers } from './clock.ts';

/** Shared by every room object of one SFU. */
export interface RoomContext {
  readonly config: SfuConfig;
  readonly transports: TransportFactory;
  readonly counters: MediaCounters;
  /** saturation of the forwarding thread (drives load shedding) */
  readonly load: LoadMonitor;
  readonly log: SfuLog;
  /** monotonic ms */
  readonly now: () => number;
  /** wall clock ms (NTP in sender reports) */
  readonly wallClock: () => number;
  /** periodic and one-shot timers (the room clock's tick, offer pacing) */
  readonly timers: RoomTimers;
}

/** A random 32-bit value (SSRCs, initial timestamps; RFC 3550 §8.1). */
export function random32(): number {
  return (randomInt(0, 0x10000) * 0x10000 + randomInt(0, 0x10000)) >>> 0;
}

/** A random 16-bit value (initial sequence numbers; RFC 3550 §5.1). */
export function random16(): number {
  return randomInt(0, 0x10000);
}
