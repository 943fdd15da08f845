/**
 * `node bench/relay-floor.ts [--seconds S] [--targets floor,turnpike,coturn]`: CPU per relayed
 * message of Turnpike and coturn next to the floor of Node's `dgram`, under one identical
 * closed-loop load, so that what a Node relay cannot avoid is told apart from what Turnpike adds.
 *
 * The floor is a bare forwarder (a child process) that does the datagram work of a TURN relay
 * and nothing else: one listening socket, one relay socket per client, the 4-byte ChannelData
 * header (RFC 8656 §12.4) stripped toward the peer and written in front of the payload toward
 * the client, with Turnpike's socket options and synchronous address resolution. For the two
 * servers each client first allocates and binds channel 0x4000 to the peer (bench/lib/alloc-client.ts).
 * Then 50 clients keep 32 ChannelData messages each in flight through `turnutils_peer` for S
 * seconds, and the relay's utime and stime per echoed message are printed.
 */
import dgram from 'node:dgram';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ipLiteralLookup } from '../src/dataplane/js/udp-listener.ts';
import { bindClientSockets, closeSockets, openAllocation } from './lib/alloc-client.ts';
import { killAllChildren } from '../harness/children.ts';
import { freeRange, freeUdpTcpPort } from '../harness/ports.ts';
import type { ServerKind } from '../harness/servers.ts';
import { CLOCK_TICKS } from './lib/proc-stat.ts';
import { coturnInstalled, startPeer, startServer } from './lib/servers.ts';

const HOST = '127.0.0.1';
const CLIENTS = 50;
const WINDOW = 32;
const PAYLOAD = 170;
const CHANNEL = 0x4000;

type Target = 'floor' | ServerKind;

/** The bare forwarder: reports its listening port to the parent, then relays until killed. */
function forwarder(peerPort: number): void {
  const lookup = ipLiteralLookup as never;
  const listener = dgram.createSocket({ type: 'udp4', lookup, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const relays = new Map<number, dgram.Socket>();
  listener.on('message', (msg, rinfo) => {
    let relay = relays.get(rinfo.port);
    if (relay === undefined) {
      const clientPort = rinfo.port;
      const clientIp = rinfo.address;
      const r = dgram.createSocket({ type: 'udp4', lookup });
      r.bind(0, HOST);
      r.on('message', (data) => {
        const out = Buffer.allocUnsafe(4 + data.length);
        out.writeUInt16BE(CHANNEL, 0);
        out.writeUInt16BE(data.length, 2);
        out.set(data, 4);
        listener.send(out, clientPort, clientIp);
      });
      relays.set(clientPort, (relay = r));
    }
    relay.send(msg.subarray(4), peerPort, HOST);
  });
  listener.bind(0, HOST, () => process.send?.(listener.address().port));
}

function cpuTicks(pid: number): { user: number; system: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), system: Number(f[12]) };
}

/** A running relay: its pid, where clients send, and how to get its clients ready and stop it. */
interface Relay {
  pid: number;
  port: number;
  /** makes each socket a client of the relay; its echoes then reach `onEcho` */
  prepare(sockets: dgram.Socket[], onEcho: (s: dgram.Socket) => void): Promise<void>;
  stop(): Promise<void>;
}

async function startFloor(peerPort: number): Promise<Relay> {
  const child = fork(fileURLToPath(import.meta.url), ['--forwarder', String(peerPort)]);
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  return {
    pid: child.pid!,
    port,
    prepare: async (sockets, onEcho) => {
      for (const s of sockets) s.on('message', () => onEcho(s));
    },
    stop: async () => {
      child.kill();
    },
  };
}

async function startTurn(kind: ServerKind, peerPort: number): Promise<Relay> {
  const range = await freeRange(CLIENTS + 20);
  const setup = { port: await freeUdpTcpPort(), minPort: range.min, maxPort: range.max, realm: 'floor.turnpike', user: 'floor', password: 'floor-password' };
  const server = await startServer(kind, setup);
  const target = { serverPort: setup.port, user: setup.user, password: setup.password, peerPort };
  return {
    pid: server.pid,
    port: setup.port,
    prepare: async (sockets, onEcho) => {
      for (const s of sockets) (await openAllocation(s, target)).tx.onOther = () => onEcho(s);
    },
    stop: () => server.stop(),
  };
}

/** Runs the closed loop through one relay and prints its CPU per echoed message. */
async function measure(target: Target, peerPort: number, seconds: number): Promise<void> {
  const relay = target === 'floor' ? await startFloor(peerPort) : await startTurn(target, peerPort);
  const sockets = await bindClientSockets(CLIENTS);
  try {
    const message = Buffer.alloc(4 + PAYLOAD);
    message.writeUInt16BE(CHANNEL, 0);
    message.writeUInt16BE(PAYLOAD, 2);
    let echoed = 0;
    let running = true;
    await relay.prepare(sockets, (s) => {
      echoed++;
      if (running) s.send(message, relay.port, HOST);
    });
    const before = cpuTicks(relay.pid);
    const startedAt = performance.now();
    for (const s of sockets) for (let i = 0; i < WINDOW; i++) s.send(message, relay.port, HOST);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    running = false;
    const elapsed = (performance.now() - startedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = cpuTicks(relay.pid);
    const us = (ticks: number): number => (ticks * 1e6) / CLOCK_TICKS / echoed;
    const user = us(after.user - before.user);
    const system = us(after.system - before.system);
    const name = target === 'floor' ? 'bare Node dgram forwarder' : target;
    console.log(`${name.padEnd(26)} ${Math.round(echoed / elapsed).toLocaleString('en-US').padStart(7)} echoed msg/s  CPU per message ${(user + system).toFixed(2)} µs (${user.toFixed(2)} user + ${system.toFixed(2)} system)`);
  } finally {
    await relay.stop();
    await closeSockets(sockets);
  }
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, targets: { type: 'string', default: 'floor,turnpike,coturn' }, forwarder: { type: 'string' } } });
if (values.forwarder !== undefined) {
  forwarder(Number(values.forwarder));
} else if (!coturnInstalled()) {
  console.log('coturn (turnserver, turnutils_peer) is not installed.');
} else {
  const peerPort = await freeUdpTcpPort();
  const peer = await startPeer(peerPort);
  try {
    console.log(`closed loop: ${CLIENTS} clients × ${WINDOW} ChannelData messages of ${PAYLOAD} bytes in flight, ${values.seconds} s each, Node.js ${process.version}`);
    for (const t of values.targets.split(',')) await measure(t as Target, peerPort, Number(values.seconds));
  } catch (err) {
    killAllChildren();
    throw err;
  } finally {
    await peer.stop();
  }
}
