/**
 * `turnpike natdiscovery [-m] [-f] [-t -T SEC] [-H] [-c -A IP] [-P] [-p PORT] [-L IP] [-l PORT]
 * HOST`: RFC 5780 NAT behaviour discovery against a STUN server with two addresses, with the
 * options and the wording of coturn's `turnutils_natdiscovery` (`NAT with Endpoint Independent
 * Mapping!`). The procedures are src/client/nat-discovery.ts.
 */
import { lookup } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { discoverCollision, discoverFiltering, discoverHairpinning, discoverLifetime, discoverMapping, type DiscoveryOptions } from '../client/nat-discovery.ts';

const USAGE = `Usage: turnpike natdiscovery [options] HOST

Discovers NAT mapping and filtering behaviour (RFC 5780) with a STUN server that has two
IP addresses (coturn or Turnpike with two listening-ip and rfc5780).

Options:
  -m                    NAT mapping behaviour discovery (RFC 5780 §4.3)
  -f                    NAT filtering behaviour discovery (§4.4)
  -t                    NAT mapping lifetime discovery (§4.6); requires -T
  -T SEC                lifetime timer in seconds (fractions allowed); waits double up to --max-lifetime
      --max-lifetime SEC  longest wait tried by -t (default: the -T value, a single wait)
  -H                    NAT hairpinning discovery (§4.5)
  -c                    NAT collision discovery; requires -A
  -A IP                 second local address (for -c)
  -P                    add 1500 bytes of PADDING to each request (not with -t)
  -p PORT               STUN server port (default 3478)
  -L IP                 local address to use
  -l PORT               local port to use (with -L)
      --rto MS          first retransmission timeout (default 500)
      --tries N         sends per request before giving up (default 4)
  -h, --help            this text`;

function number(name: string, text: string | undefined, min: number, max: number, integer = true): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new TurnpikeError(ErrorCode.USAGE, `${name} '${text}': expected ${integer ? 'an integer' : 'a number'} ${min}-${max}`);
  }
  return n;
}

const OPTIONS = {
  m: { type: 'boolean', short: 'm', default: false },
  f: { type: 'boolean', short: 'f', default: false },
  t: { type: 'boolean', short: 't', default: false },
  c: { type: 'boolean', short: 'c', default: false },
  H: { type: 'boolean', short: 'H', default: false },
  P: { type: 'boolean', short: 'P', default: false },
  p: { type: 'string', short: 'p', default: '3478' },
  L: { type: 'string', short: 'L' },
  l: { type: 'string', short: 'l' },
  A: { type: 'string', short: 'A' },
  T: { type: 'string', short: 'T' },
  'max-lifetime': { type: 'string' },
  rto: { type: 'string', default: '500' },
  tries: { type: 'string', default: '4' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The command line, or a USAGE error naming what is wrong. */
function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new TurnpikeError(ErrorCode.USAGE, `${(err as Error).message}\n\n${USAGE}`);
  }
}

/** The server's address: an IP as given, a name resolved once. */
async function resolveHost(host: string): Promise<string> {
  if (parseIpAddress(host) !== undefined) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new TurnpikeError(ErrorCode.USAGE, `cannot resolve '${host}': ${(err as Error).message}`);
  }
}

/** The `natdiscovery` command; resolves to the exit code (1 when no verdict could be drawn). */
export async function natdiscoveryCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const { values: v, positionals } = parse(argv);
  if (v.help) {
    out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new TurnpikeError(ErrorCode.USAGE, `expected one HOST\n\n${USAGE}`);
  if (v.c && v.A === undefined) throw new TurnpikeError(ErrorCode.USAGE, 'Use "-A" to add an Alternative local IP address. It is mandatory with "-c" collision behavior detection.');
  if (v.t && v.T === undefined) throw new TurnpikeError(ErrorCode.USAGE, 'Use "-T" to add a timer value (in sec). It is mandatory with "-t" mapping lifetime behavior detection.');
  if (v.l !== undefined && v.L === undefined) throw new TurnpikeError(ErrorCode.USAGE, 'To use local port please specify local address "-L"!');
  const timerMs = (number('-T', v.T, 0, 86_400, false) ?? 0) * 1000;
  const maxMs = (number('--max-lifetime', v['max-lifetime'], 0, 86_400, false) ?? timerMs / 1000) * 1000;
  const opts: DiscoveryOptions = {
    server: { ip: await resolveHost(positionals[0]), port: number('-p', v.p, 1, 65535)! },
    localIp: v.L,
    localPort: number('-l', v.l, 0, 65535),
    padding: v.P ? 1500 : 0,
    rto: number('--rto', v.rto, 1, 60_000)!,
    tries: number('--tries', v.tries, 1, 20)!,
    say: out,
  };
  let undecided = false;
  if (v.t) {
    out('\n-= Mapping Lifetime Behavior Discovery =-');
    const r = await discoverLifetime({ ...opts, padding: 0 }, timerMs, Math.max(maxMs, timerMs), (ms) => new Promise((res) => setTimeout(res, ms)));
    undecided ||= r.aliveAfterMs === undefined && r.goneAfterMs === undefined;
  }
  if (v.H) {
    out('\n-= Hairpinning Behavior Discovery =-');
    undecided ||= (await discoverHairpinning(opts)) === undefined;
  }
  if (v.m) {
    out('\n-= Mapping Behavior Discovery =-');
    undecided ||= ['no-answer', 'no-rfc5780'].includes(await discoverMapping(opts));
  }
  if (v.f) {
    out('\n-= Filtering Behavior Discovery =-');
    undecided ||= ['no-answer', 'no-rfc5780'].includes(await discoverFiltering(opts));
  }
  if (v.c) {
    out('\n-= Collision Behavior Discovery =-');
    await discoverCollision(opts, v.A!);
  }
  if (!v.m && !v.f && !v.t && !v.c && !v.H) {
    out('Please use either -f or -m or -c or -t or -H parameter for Filtering or Mapping behavior discovery.');
    return 2;
  }
  return undecided ? 1 : 0;
}
