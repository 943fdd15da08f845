/**
 * Turnpike's configuration layer: coturn 4.6's `turnserver.conf` and `turnserver` command
 * line, parsed and checked into one typed `Config`.
 */

export type { Config, ConfigEntry, ConfigWarning, ExternalIp, LoadedConfig, LogOptions, StaticUser } from './types.ts';
export { defaultConfig } from './defaults.ts';
export { parseConfigFile } from './file.ts';
export { ConfigError, CONFIG_ENV, DEFAULT_CONFIG_PATHS, loadTurnserverConfig, type LoadOptions } from './load.ts';
export { turnserverUsage } from './usage.ts';
export { OPTIONS, findLongOption, findShortOption } from './options.ts';
export { OptionStatus, type OptionSpec } from './option-spec.ts';
export { formatWarning } from './format.ts';
