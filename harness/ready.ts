/**
 * When a launched child serves (see servers.ts for why this lives in harness/): it answers a
 * STUN Binding request (RFC 8489 §6), it echoes a datagram (a UDP peer), or it has printed
 * what it prints once started. Each check fails as soon as the child exits, and with what it
 * printed when it stays silent.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Readiness, TrackedChild } from './children.ts';

/**
 * RFC 8489 §5-6: a Binding request is type 0x0001, length 0, the magic cookie and a 96-bit
 * transaction id. Built by hand rather than with src/stun, so that a broken encoder shows up
 * in the test that checks it, not as a server that "never started".
 */
function bindingRequest(transactionId: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(0x2112a442, 4);
  transactionId.copy(header, 8);
  return header;
}

/** Resolves once the child answers a Binding request on UDP host:port with a success response (0x0101) for it. */
export function answersBinding(port: number, host = '127.0.0.1', limitMs = 10_000): Readiness {
  const id = randomBytes(12);
  const success = (msg: Buffer): boolean => msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(id);
  return (child) => untilAnswered(child, host, port, bindingRequest(id), success, limitMs);
}

/** Resolves once a UDP echo peer sends a probe back from every one of `hosts`. */
export function echoes(port: number, hosts: string[] = ['127.0.0.1'], limitMs = 10_000): Readiness {
  return async (child) => {
    for (const host of hosts) await untilAnswered(child, host, port, Buffer.from('probe'), () => true, limitMs);
  };
}

/** Resolves once everything the child printed (stdout and stderr) contains each of `needles`. */
export function printed(needles: string[], limitMs = 15_000): Readiness {
  return (child) =>
    new Promise<void>((resolve, reject) => {
      let text = '';
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        child.process.stdout?.removeListener('data', onData);
        child.process.stderr?.removeListener('data', onData);
        if (err) reject(err);
        else resolve();
      };
      const onData = (chunk: Buffer): void => {
        text += chunk.toString();
        if (needles.every((n) => text.includes(n))) finish();
      };
      child.process.stdout?.on('data', onData);
      child.process.stderr?.on('data', onData);
      void child.exited.then((code) => finish(new Error(`${commandLine(child)} exited (${code}) before printing ${JSON.stringify(needles)}:\n${text}`)));
      const deadline = setTimeout(() => finish(new Error(`${commandLine(child)} did not print ${JSON.stringify(needles)} within ${limitMs / 1000} s:\n${text}`)), limitMs);
    });
}

/** Sends `probe` to host:port every 100 ms until an answer passes `accept`. */
function untilAnswered(child: TrackedChild, host: string, port: number, probe: Buffer, accept: (msg: Buffer) => boolean, limitMs: number): Promise<void> {
  const v6 = isIP(host) === 6;
  const where = v6 ? `[${host}]:${port}` : `${host}:${port}`;
  const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let ticker: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearInterval(ticker);
      clearTimeout(deadline);
      socket.close();
      if (err) reject(err);
      else resolve();
    };
    void child.exited.then((code) => finish(new Error(`${commandLine(child)} exited (${code}) before answering on ${where}:\n${child.output()}`)));
    socket.on('message', (msg) => {
      if (accept(msg)) finish();
    });
    // ICMP port unreachable while the child starts: keep asking.
    socket.on('error', () => {});
    const deadline = setTimeout(() => finish(new Error(`${commandLine(child)}: nothing answered on ${where} within ${limitMs / 1000} s:\n${child.output()}`)), limitMs);
    const send = (): void => socket.send(probe, port, host);
    socket.bind(0, v6 ? '::1' : '127.0.0.1', () => {
      if (done) return;
      send();
      ticker = setInterval(send, 100);
    });
  });
}

function commandLine(child: TrackedChild): string {
  return child.process.spawnargs.join(' ');
}
