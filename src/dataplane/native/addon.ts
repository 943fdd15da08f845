/**
 * Loads the native data plane's Node-API addon (`native/`, built by `npm install` with the
 * system C compiler), and says why not when it cannot: no build (no compiler at install), a
 * platform without epoll and recvmmsg, or a build that does not load.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/src/addon.c). */
export interface NativeAddon {
  /** `flags` bit 0: ChannelData from clients without a row goes up to the core (RFC 8016 mobility) */
  createPlane(threads: number, bpsCapacity: number, maxChannelNumber: number, onBatch: (batch: ArrayBuffer) => void, flags?: number): NativePlaneHandle;
  /** [listenerId, port, fd of thread 0, fd of thread 1, …] */
  listen(plane: NativePlaneHandle, ip: string, port: number): number[];
  /** [relayId, fd], or [-errno, -1] */
  openRelay(plane: NativePlaneHandle, thread: number, ip: string, port: number): [number, number];
  closeRelay(plane: NativePlaneHandle, thread: number, relayId: number): void;
  /** bytes sent, or -errno */
  send(fd: number, ip: string, port: number, data: Uint8Array): number;
  /** many datagrams in one call (records of `outbox.ts`); returns how many were sent */
  sendMany(records: Uint8Array): number;
  upsert(plane: NativePlaneHandle, thread: number, row: Uint8Array): void;
  /** the row's traffic [rxPackets, rxBytes, txPackets, txBytes, dropped], or null */
  remove(plane: NativePlaneHandle, thread: number, allocationId: number): number[] | null;
  traffic(plane: NativePlaneHandle, thread: number, allocationId: number): number[] | null;
  counters(plane: NativePlaneHandle): number[];
  counterNames(): string[];
  close(plane: NativePlaneHandle): void;
  unref(plane: NativePlaneHandle): void;
}

/** An opaque native plane. */
export type NativePlaneHandle = { readonly __nativePlane: unique symbol };

/** Where `npm install` puts the addon (`TURNPIKE_NATIVE_ADDON` names another build, e.g. a sanitizer one). */
export function addonPath(): string {
  return process.env.TURNPIKE_NATIVE_ADDON ?? fileURLToPath(new URL('../../../native/build/turnpike_dataplane.node', import.meta.url));
}

/** The addon, or why there is none. */
export function loadAddon(): { ok: true; addon: NativeAddon } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `the native data plane needs Linux (epoll, recvmmsg, sendmmsg); this is ${process.platform}` };
  const path = addonPath();
  if (!existsSync(path)) return { ok: false, reason: `no native build at ${path} (npm install found no C compiler; install one, e.g. apt-get install gcc, then run npm rebuild turnpike or node scripts/build-native.mjs)` };
  try {
    const require = createRequire(import.meta.url);
    return { ok: true, addon: require(path) as NativeAddon };
  } catch (err) {
    return { ok: false, reason: `the native build at ${path} does not load: ${(err as Error).message}` };
  }
}
