/**
 * `turnpike sfu token --room R [--identity U] [--ttl 3600] [--no-publish] [--no-subscribe]`:
 * prints a join token (an HS256 JWT, `src/sfu/signal/join-token.ts`) for an SFU that runs with
 * `[auth] jwtsecret`. The secret comes from `--jwt-secret`, `TURNPIKE_SFU_JWT_SECRET`, or the
 * config file's `[auth] jwtsecret` (`-c`), in that order.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { loadSfuConfig } from '../sfu/config.ts';
import { signJoinToken } from '../sfu/signal/join-token.ts';

/** The environment variable that carries the SFU's join-token secret. */
export const JWT_SECRET_ENV = 'TURNPIKE_SFU_JWT_SECRET';

/** The help text of `turnpike sfu token`. */
export function sfuTokenUsage(): string {
  return [
    'Usage: turnpike sfu token --room ROOM [--identity UID] [--ttl SECONDS] [--no-publish] [--no-subscribe]',
    '                          [--jwt-secret SECRET | -c config.toml]',
    '',
    'Prints a join token for an SFU running with [auth] jwtsecret. Clients pass it in the',
    'signalling URL: new IonSFUJSONRPCSignal("wss://host/ws?access_token=TOKEN").',
    '',
    '  --room ROOM         the session (join sid) the token admits',
    '  --identity UID      the only uid the holder may join as (default: any)',
    '  --ttl SECONDS       validity from now (default 3600)',
    '  --no-publish        the holder receives only',
    '  --no-subscribe      the holder publishes only',
    `  --jwt-secret S      the secret (default: $${JWT_SECRET_ENV}, else [auth] jwtsecret of -c)`,
    '  -c, --config FILE   the SFU config.toml to read the secret from',
  ].join('\n');
}

function usage(msg: string): never {
  throw new TurnpikeError(ErrorCode.USAGE, `${msg}\n\n${sfuTokenUsage()}`);
}

/** Parses the arguments and returns the token (no trailing newline). */
export async function makeSfuToken(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, nowMs = Date.now()): Promise<string> {
  let room: string | undefined;
  let identity: string | undefined;
  let ttl = 3600;
  let publish = true;
  let subscribe = true;
  let secret: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) usage(`${arg}: missing value`);
      return v;
    };
    if (flag === 'room') room = value();
    else if (flag === 'identity') identity = value();
    else if (flag === 'ttl') {
      const v = value();
      ttl = Number(v);
      if (!/^\d+$/.test(v) || ttl < 1) usage(`--ttl: expected whole seconds, got "${v}"`);
    } else if (flag === 'no-publish') publish = false;
    else if (flag === 'no-subscribe') subscribe = false;
    else if (flag === 'jwt-secret') secret = value();
    else if (flag === 'c' || flag === 'config') config = value();
    else usage(`unknown option ${arg}`);
  }
  if (room === undefined || room === '') usage('--room is required');
  secret ??= env[JWT_SECRET_ENV] || (config !== undefined ? (await loadSfuConfig(config)).auth.jwtSecret : undefined);
  if (secret === undefined) usage(`no secret: give --jwt-secret, set ${JWT_SECRET_ENV}, or -c a config with [auth] jwtsecret`);
  if (Buffer.byteLength(secret) < 32) usage('the secret must be at least 32 bytes (RFC 7518 §3.2)');
  const now = Math.floor(nowMs / 1000);
  return signJoinToken({ room, ...(identity !== undefined ? { identity } : {}), publish, subscribe, iat: now, nbf: now, exp: now + ttl }, secret);
}

/** `turnpike sfu token`: prints the token; resolves with the exit code. */
export async function runSfuToken(argv: readonly string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(sfuTokenUsage() + '\n');
    return 0;
  }
  try {
    process.stdout.write((await makeSfuToken(argv)) + '\n');
    return 0;
  } catch (err) {
    if (!(err instanceof TurnpikeError)) throw err;
    process.stderr.write(`turnpike sfu token: ${err.message}\n`);
    return err.code === ErrorCode.USAGE ? 2 : 1;
  }
}
