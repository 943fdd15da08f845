/**
 * Free loopback ports for the servers the bench starts: a listening port free on UDP and TCP
 * (STUN/TURN listens on both, RFC 8489 §6) and a run of consecutive UDP ports for the relay
 * range (`min-port`..`max-port`), below the kernel's ephemeral range so that client sockets
 * do not land in it.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const HOST = '127.0.0.1';

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, HOST, () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A port free on both UDP and TCP a moment ago. */
export async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, HOST, () => resolve()));
    const port = s.address().port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    if (await tcpFree(port)) return port;
  }
  throw new Error('no port free on both UDP and TCP after 50 attempts');
}

/** `n` consecutive UDP ports that were free a moment ago, for a relay port range. */
export async function freeUdpRange(n: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 10000 + Math.floor(Math.random() * (32000 - 10000 - n));
    let ok = true;
    for (let p = min; p < min + n && ok; p++) ok = await udpFree(p);
    if (ok) return { min, max: min + n - 1 };
  }
  throw new Error(`no ${n} consecutive free UDP ports found`);
}
