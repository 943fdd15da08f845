/**
 * `turnpike peer [-p PORT] [-L IP]...`: a UDP echo peer, as coturn's `turnutils_peer`, for
 * relay tests — every datagram goes back to where it came from.
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';

const USAGE = `Usage: turnpike peer [options]

A UDP echo server (like turnutils_peer): answers every datagram with the same bytes.

Options:
  -p, --port PORT      port to listen on, and PORT+1 as turnutils_peer does (default 3480)
  -L, --listen IP      address to listen on; repeat for several (default 127.0.0.1 and ::1)
  -h, --help           this text`;

/**
 * Starts echo sockets on each IP; with `pair`, on PORT and PORT+1 as turnutils_peer does (the
 * RTP/RTCP pair its clients send to). Resolves with the bound ports and a closer.
 */
export async function startEchoPeer(ips: string[], port: number, pair = false): Promise<{ ports: number[]; close(): Promise<void>; echoed(): number }> {
  let echoed = 0;
  const sockets: dgram.Socket[] = [];
  const binds = pair ? ips.flatMap((ip) => [[ip, port], [ip, port + 1]] as const) : ips.map((ip) => [ip, port] as const);
  for (const [ip, port] of binds) {
    // A local address to bind, so a link-local zone id is fine.
    const v6 = parseIpAddress(ip, { zone: true })?.family === 'IPv6';
    const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      s.once('error', (e) => reject(new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on ${ip}:${port}: ${e.message}`)));
      s.bind(port, ip, () => resolve());
    });
    s.on('error', () => {});
    s.on('message', (m, r) => {
      echoed++;
      s.send(m, r.port, r.address);
    });
    sockets.push(s);
  }
  return {
    ports: sockets.map((s) => s.address().port),
    echoed: () => echoed,
    close: async () => {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** The `peer` command. */
export async function peerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p', default: '3480' },
      listen: { type: 'string', short: 'L', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TurnpikeError(ErrorCode.USAGE, `--port '${values.port}': expected 0-65535`);
  const ips = values.listen ?? ['127.0.0.1', '::1'];
  const peer = await startEchoPeer(ips, port, true);
  const where = ips.flatMap((ip, i) => [peer.ports[2 * i], peer.ports[2 * i + 1]].map((p) => `${ip.includes(':') ? `[${ip}]` : ip}:${p}`));
  process.stdout.write(`echo peer listening on ${where.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`echoed ${peer.echoed()} datagrams\n`);
  await peer.close();
  return 0;
}
