/**
 * Free loopback ports for the servers that tests and benchmarks start (see servers.ts for why
 * this lives in harness/). Every helper binds port 0 (or a candidate range) on 127.0.0.1, reads
 * what the kernel gave, and releases it, so the caller can hand the number to a child process.
 * A race with another process is possible but unlikely; a server that fails to bind makes the
 * run fail loudly, never hang.
 */
import dgram from 'node:dgram';
import net from 'node:net';

const HOST = '127.0.0.1';

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, HOST, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port free on both UDP and TCP, as STUN/TURN listeners need (RFC 8489 §6). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeUdpPort();
    if (await tcpPortIsFree(port)) return port;
  }
  throw new Error('no port free on both UDP and TCP after 50 attempts');
}

/**
 * `n` consecutive ports free on UDP and TCP, for a relay port range (`min-port`..`max-port`).
 * Chosen below the kernel's ephemeral range (32768+) so clients' own ports do not land in it.
 */
export async function freeRange(n: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const min = 10000 + Math.floor(Math.random() * (32000 - 10000 - n));
    if (await rangeIsFree(min, n)) return { min, max: min + n - 1 };
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

async function rangeIsFree(min: number, n: number): Promise<boolean> {
  for (let port = min; port < min + n; port++) {
    if (!(await udpPortIsFree(port)) || !(await tcpPortIsFree(port))) return false;
  }
  return true;
}

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => { socket.close(); resolve(false); });
    socket.bind(port, HOST, () => socket.close(() => resolve(true)));
  });
}

function tcpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
