/**
 * Turnpike as a library (`import … from 'turnpike'`): a STUN/TURN server started from options
 * with pion/turn-style authentication and permission hooks, the SFU for an existing HTTP
 * server, and the STUN codec. `turnpike/stun` and `turnpike/sfu` hold the last two alone.
 * docs/library.md shows them at work.
 */
export {
  startTurnServer,
  configFromOptions,
  loggerFrom,
  type TurnServer,
  type TurnServerOptions,
  type AuthHandler,
  type PermissionHandler,
  type ClientSource,
  type PeerAddress,
  type LogFunction,
  type LogFields,
  type LogLevel,
} from './lib/turn.ts';
export type { Config, ExternalIp } from './config/types.ts';
export { ErrorCode, TurnpikeError } from './errors.ts';

export {
  attachSfu,
  defaultSfuConfig,
  parseSfuConfig,
  loadSfuConfig,
  withOverrides,
  demoMounts,
  shutdownWebrtc,
  type AttachSfuOptions,
  type SfuConfig,
  type SfuHandle,
  type SfuStats,
  type SfuLog,
  type UpgradeHandler,
  type StaticMount,
} from './sfu/index.ts';

export * from './stun/index.ts';
