import type { ConfigWarning } from './types.ts';

/** One warning as start-up prints it: `turnserver.conf:3: option 'daemon' ignored: …`. */
export function formatWarning(warning: ConfigWarning): string {
  return `${warning.where}: ${warning.message}`;
}
