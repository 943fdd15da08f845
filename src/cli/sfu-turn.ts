/**
 * ion-sfu's `[turn]` section mapped onto Turnpike's own TURN server: `enabled`, `realm`,
 * `address` (UDP and TCP; its IP is also the relay address, as in ion-sfu), `portrange`,
 * `cert`/`key` (TLS), and `[turn.auth]` `credentials` or `secret` (the TURN REST API, which
 * takes precedence as in ion-sfu).
 */
import { loadTurnserverConfig, type LoadedConfig } from '../config/index.ts';
import type { SfuTurnConfig } from '../sfu/config-types.ts';
import { parseListenAddress } from './sfu.ts';

/** The coturn-style command line equivalent to `[turn]`. */
export function turnArgsFromSfu(turn: SfuTurnConfig): string[] {
  const { host, port } = parseListenAddress(turn.address);
  const args = ['-n', `--listening-port=${port}`, `--realm=${turn.realm}`];
  if (host !== '' && host !== '0.0.0.0' && host !== '::') args.push(`--listening-ip=${host}`);
  if (turn.portRange) args.push(`--min-port=${turn.portRange[0]}`, `--max-port=${turn.portRange[1]}`);
  if (turn.cert && turn.key) args.push(`--cert=${turn.cert}`, `--pkey=${turn.key}`);
  if (turn.auth.secret !== undefined) {
    args.push('--use-auth-secret', `--static-auth-secret=${turn.auth.secret}`);
  } else {
    args.push('--lt-cred-mech', ...turn.auth.credentials.map((c) => `--user=${c.username}:${c.password}`));
  }
  return args;
}

/** The checked TURN configuration for `[turn]`, or undefined when it is not enabled. */
export function turnConfigFromSfu(turn: SfuTurnConfig): LoadedConfig | undefined {
  if (!turn.enabled) return undefined;
  return loadTurnserverConfig(turnArgsFromSfu(turn), { defaultConfigPaths: [] });
}
