/**
 * `sock-buf-size` (coturn 4.7+) on the js data plane: the UDP socket options carry the
 * configured buffer size (the listener keeps its 4 MiB default otherwise, relay sockets the
 * system's), a real socket made with them gets at least that buffer from the kernel, and a
 * server started with the option allocates and answers as usual.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { udpSocketOptions } from '../../src/dataplane/js/udp-listener.ts';
import { startServer, UdpClient } from '../server/wire.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr } from '../../src/stun/types.ts';

test('the socket options carry sock-buf-size, else the fallback, else nothing', () => {
  assert.equal(udpSocketOptions('127.0.0.1', 65536, 4194304).recvBufferSize, 65536);
  assert.equal(udpSocketOptions('127.0.0.1', 65536).sendBufferSize, 65536);
  assert.equal(udpSocketOptions('::1', 0, 4194304).recvBufferSize, 4194304);
  const bare = udpSocketOptions('::1', 0);
  assert.equal(bare.recvBufferSize, undefined);
  assert.equal(bare.sendBufferSize, undefined);
  assert.equal(bare.type, 'udp6');
  assert.equal(bare.ipv6Only, true);
});

test('a socket made with them gets at least that buffer from the kernel', async () => {
  const socket = dgram.createSocket(udpSocketOptions('127.0.0.1', 65536));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    assert.ok(socket.getRecvBufferSize() >= 65536, String(socket.getRecvBufferSize()));
    assert.ok(socket.getSendBufferSize() >= 65536, String(socket.getSendBufferSize()));
  } finally {
    socket.close();
  }
});

test('a js-plane server with sock-buf-size allocates a relay', async () => {
  const { server, port } = await startServer(['--data-plane=js', '--sock-buf-size=65536']);
  const client = await new UdpClient().connect(port);
  try {
    assert.equal(server.currentConfig().sockBufSize, 65536);
    const answer = await client.allocate();
    assert.ok(getAttribute(answer, Attr.XorRelayedAddress), 'a relayed address');
  } finally {
    await client.close();
    await server.close();
  }
});
