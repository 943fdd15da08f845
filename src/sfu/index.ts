/**
 * The SFU's entry point for an HTTP server that already exists: it registers ion-sfu's
 * JSON-RPC WebSocket endpoint (`/ws`) through the server's `upgrade(path, handler)` and runs the
 * rooms and media behind it. `runSfu` in `src/cli/sfu.ts` is the standalone server.
 */
import { startCluster, type ClusterStats, type SfuCluster } from './cluster/index.ts';
import type { SfuConfig } from './config-types.ts';
import { Sfu, type RoomStats } from './room/sfu.ts';
import type { SignalLimits } from './signal/connection.ts';
import { attachSignalEndpoint, silentLog, type SfuLog, type SignalStats, type UpgradeHandler } from './signal/ws-endpoint.ts';
import { nodeDataChannelFactory } from './transport/node-datachannel.ts';
import { NativeMedia, nativeMediaOptions } from './native/native-media.ts';

export { shutdownWebrtc } from './transport/node-datachannel.ts';
import type { TransportFactory } from './transport/types.ts';

export type { SfuConfig } from './config-types.ts';
export type { SfuLog, UpgradeHandler } from './signal/ws-endpoint.ts';
export { demoMounts, type StaticMount } from './demo-assets.ts';
export { loadSfuConfig, parseSfuConfig, defaultSfuConfig, withOverrides } from './config.ts';

/** What {@link attachSfu} needs from its host. */
export interface AttachSfuOptions {
  /** registers an HTTP upgrade handler for a path (the web server's `upgrade`) */
  readonly upgrade: (path: string, handler: UpgradeHandler) => void;
  readonly config: SfuConfig;
  readonly log?: SfuLog;
  /** WebSocket path; ion-sfu's is `/ws` */
  readonly path?: string;
  readonly limits?: SignalLimits;
  /** a different WebRTC stack (tests); default node-datachannel with `config.webrtc` */
  readonly transports?: TransportFactory;
}

/** Signalling and media figures. */
export interface SfuStats extends RoomStats {
  readonly signal: SignalStats;
  /** with `[cluster]`: rooms owned here, clients relayed out and in */
  readonly cluster?: ClusterStats;
}

/** The attached SFU: figures, and shutdown. */
export interface SfuHandle {
  stats(): SfuStats;
  /** closes every WebSocket and peer connection */
  close(): Promise<void>;
}

/** Attaches the SFU to an HTTP server. */
export function attachSfu(opts: AttachSfuOptions): SfuHandle {
  const log = opts.log ?? silentLog;
  const w = opts.config.webrtc;
  const transports = opts.transports ?? mediaPath(opts.config, log);
  const sfu = new Sfu(opts.config, transports, log);
  // With [cluster], rooms are placed on nodes over Redis; the local rooms never learn of it.
  const cluster: SfuCluster | undefined = opts.config.cluster.redis !== undefined ? startCluster(opts.config.cluster, sfu, log) : undefined;
  const rooms = cluster?.rooms ?? sfu;
  // With [auth] jwtsecret, the node holding the WebSocket checks the join token before the join
  // goes anywhere, a cluster's room node included.
  const joinSecret = opts.config.auth.jwtSecret;
  const endpoint = attachSignalEndpoint({ upgrade: opts.upgrade, rooms, path: opts.path, limits: opts.limits, log, ...(joinSecret ? { joinSecret } : {}) });
  let closed: Promise<void> | undefined;
  return {
    stats: () => ({ ...sfu.stats(), signal: endpoint.stats(), ...(cluster ? { cluster: cluster.stats() } : {}) }),
    close: () => {
      closed ??= (async () => {
        await endpoint.close();
        await cluster?.close();
        sfu.close();
        transports.close?.();
      })();
      return closed;
    },
  };
}

/**
 * The media path `[webrtc] mediapath` asks for: the native one (docs/sfu.md, "The native media
 * path") on `singleport`, or the first port of `portrange`; the WebRTC stack otherwise, and when
 * the native addon has no media path (it says why).
 */
function mediaPath(config: SfuConfig, log: SfuLog): TransportFactory {
  const w = config.webrtc;
  if (w.mediaPath === 'native') {
    const started = NativeMedia.start(nativeMediaOptions(config, log));
    if (started.ok) {
      log.info('sfu.media_path', { path: 'native', port: started.value.port });
      return started.value;
    }
    log.warn('sfu.media_path', { path: 'stack', why: `the native media path cannot start: ${started.error}` });
  }
  return nodeDataChannelFactory({ iceServers: w.iceServers, portRange: w.portRange, singlePort: w.singlePort, bindAddress: w.bindAddress, nat1to1: w.nat1to1 }, log);
}
