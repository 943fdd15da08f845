/**
 * `turnpike stunclient [-p PORT] [-L LOCAL-IP] HOST`: asks a STUN server for this host's
 * reflexive address and prints it as coturn's `turnutils_stunclient` does
 * (`IPv4. UDP reflexive addr: 203.0.113.7:40123`).
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { formatAddress, getAttribute } from '../stun/index.ts';
import { Attr, Method, MessageClass } from '../stun/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { newTransactionId, UdpTransactions } from '../client/transactions.ts';

const USAGE = `Usage: turnpike stunclient [options] HOST

Sends a STUN Binding request (RFC 8489) over UDP and prints the reflexive address.

Options:
  -p, --port PORT       server port (default 3478)
  -L, --local-ip IP     local address to send from
  -f, --fingerprint     add FINGERPRINT to the request
  -h, --help            this text`;

/** The `stunclient` command. */
export async function stunclientCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string', short: 'p', default: '3478' },
        'local-ip': { type: 'string', short: 'L' },
        fingerprint: { type: 'boolean', short: 'f', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new TurnpikeError(ErrorCode.USAGE, `${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const host = positionals[0];
  const port = Number(values.port);
  if (host === undefined || positionals.length > 1) throw new TurnpikeError(ErrorCode.USAGE, `expected one HOST\n\n${USAGE}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TurnpikeError(ErrorCode.USAGE, `--port '${values.port}': expected 1-65535`);
  // Both are used on this host's sockets, where a link-local zone id means something.
  const isV6 = (ip: string | undefined): boolean => ip !== undefined && parseIpAddress(ip, { zone: true })?.family === 'IPv6';
  const v6 = isV6(host) || isV6(values['local-ip']);
  const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => socket.bind(0, values['local-ip'], () => resolve()));
  const tx = new UdpTransactions(socket);
  try {
    const answer = await tx.request(
      { method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [] },
      host,
      port,
      { fingerprint: values.fingerprint },
      500,
      4,
    );
    if (answer.class !== MessageClass.SuccessResponse) {
      const err = getAttribute(answer, Attr.ErrorCode);
      process.stderr.write(`STUN error ${err?.code ?? '?'} ${err?.reason ?? ''}\n`);
      return 1;
    }
    const mapped = getAttribute(answer, Attr.XorMappedAddress) ?? getAttribute(answer, Attr.MappedAddress);
    if (mapped === undefined) {
      process.stderr.write('the answer carries no (XOR-)MAPPED-ADDRESS\n');
      return 1;
    }
    process.stdout.write(`${mapped.family}. UDP reflexive addr: ${formatAddress(mapped)}\n`);
    const origin = getAttribute(answer, Attr.ResponseOrigin);
    if (origin) process.stdout.write(`${origin.family}. Response origin: ${formatAddress(origin)}\n`);
    return 0;
  } finally {
    tx.close();
    socket.close();
  }
}
