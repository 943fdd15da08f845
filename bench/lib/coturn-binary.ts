/**
 * The coturn `turnserver` the bench compares against (`--coturn PATH`, Debian's by default):
 * its version as it prints it, and how the bench's shared command line must be worded for it.
 * Later coturn releases made two of those options deprecated no-ops that log a complaint on
 * every start: the CLI became opt-in (`--cli`), so `--no-cli` says nothing; and DTLS listeners
 * start only with `--dtls`, so `--no-dtls` says nothing. Left out, the server runs exactly as
 * with them. They also narrowed ChannelBind to RFC 8656's 0x4000-0x4FFF (§12) unless given
 * `--rfc5766-channel-numbers`; Debian's turnutils_uclient binds channels up to 0x7FFF (RFC 5766
 * §11), so such a release gets that option, as Turnpike does. What a binary wants is read from
 * its own `--help`, not guessed from its version number.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** An option a coturn binary is started without (`omit`) or with (`add`) beyond the shared command line, and why. */
export interface Adaptation {
  option: string;
  action: 'omit' | 'add';
  why: string;
}

/** A coturn `turnserver` executable. */
export interface CoturnBinary {
  path: string;
  /** the last line of `turnserver --version`, e.g. `4.6.1` */
  version: string;
  /** how its command line differs from the shared one */
  adaptations: Adaptation[];
}

/** The last line `turnserver --version` prints, or undefined when it cannot be run. */
export function coturnVersion(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').pop();
}

/**
 * How the shared command line must be worded for a turnserver whose usage text is `help`.
 * Pure, so that the reading of each release's usage can be checked on its own.
 */
export function adaptationsFor(help: string): Adaptation[] {
  const out: Adaptation[] = [];
  const documents = (option: string): boolean => new RegExp(`^\\s*${option}(\\s|=|$)`, 'm').test(help);
  if (documents('--cli') && !documents('--no-cli')) {
    out.push({ option: '--no-cli', action: 'omit', why: 'a deprecated no-op there: the CLI is off unless --cli is given' });
  }
  if (/^\s*--no-dtls\s+Deprecated/m.test(help)) {
    out.push({ option: '--no-dtls', action: 'omit', why: 'a deprecated no-op there: DTLS listeners start only with --dtls' });
  }
  if (documents('--rfc5766-channel-numbers')) {
    out.push({ option: '--rfc5766-channel-numbers', action: 'add', why: "it refuses ChannelBind above 0x4FFF without it, and turnutils_uclient binds up to 0x7FFF (Turnpike gets it too)" });
  }
  return out;
}

/** Reads a turnserver's version and usage; throws when `path` is not a turnserver that runs. */
export function probeCoturn(path: string): CoturnBinary {
  if (!existsSync(path)) throw new Error(`--coturn ${path}: no such file`);
  const version = coturnVersion(path);
  if (version === undefined) throw new Error(`--coturn ${path}: '${path} --version' failed`);
  // Usage goes to stderr (4.6.1) or stdout, with a non-zero exit status either way.
  const help = spawnSync(path, ['--help'], { encoding: 'utf8', timeout: 5000 });
  return { path, version, adaptations: adaptationsFor(`${help.stdout ?? ''}\n${help.stderr ?? ''}`) };
}
