/**
 * TURN over DTLS (RFC 8656 §3.1, RFC 6347) against `turnpike turnserver` with coturn's
 * `cert`/`pkey` options: `turnutils_uclient -S` over UDP (which is DTLS) on UDP
 * `tls-listening-port` with channels, and on the plain listening port (DTLS told from STUN by
 * the first byte, RFC 7983) with Send indications (`-c`); then a second client, `openssl
 * s_client -dtls`, sends a STUN Binding request through its session and reads the answer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';
import { opensslMissing } from '../server/dtls-wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

/** `openssl s_client -dtls` to `port`: one Binding request through the session, its answer back. */
function bindingOverSClient(port: number): Promise<Uint8Array> {
  const child = spawn('openssl', ['s_client', '-dtls', '-quiet', '-ign_eof', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const tid = new Uint8Array(12).fill(7);
  // s_client reads stdin once its handshake is done; the pipe holds the request until then.
  child.stdin.write(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: tid, attributes: [] }));
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 20 && got.length >= 20 + got.readUInt16BE(2)) {
        child.kill();
        resolve(got.subarray(0, 20 + got.readUInt16BE(2)));
      }
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`s_client exited (${code}) before an answer: ${err}`)));
  });
}

describe('turnutils_uclient -S over UDP (DTLS) against turnpike turnserver', { skip: turnutilsMissing || opensslMissing }, () => {
  let server: Launched;
  let peer: Launched;
  let tlsPort: number;
  before(async () => {
    tlsPort = await freeUdpTcpPort();
    server = await startTurnpike({
      relayPorts: 80,
      extraArgs: [`--tls-listening-port=${tlsPort}`, `--cert=${fixture('localhost-cert.pem')}`, `--pkey=${fixture('localhost-key.pem')}`],
    });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  test('5 clients × 50 messages over DTLS on UDP tls-listening-port, with channels, all echoed', async () => {
    const r = await runCoturn('uclient', [
      '-S', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', '5', '-n', '50', '-l', '170', '-p', String(tlsPort), '127.0.0.1',
    ]);
    assertRelayed(r, 'all', server.output);
  });

  test('DTLS on the plain listening port with Send indications (-c), all echoed', async () => {
    const r = await runCoturn('uclient', [
      '-S', '-c', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', '5', '-n', '50', '-l', '170', '-p', String(server.port), '127.0.0.1',
    ]);
    assertRelayed(r, 'all', server.output);
  });

  test('openssl s_client -dtls completes a handshake; a Binding request through it is answered', async () => {
    for (const port of [server.port, tlsPort]) {
      const answer = decodeMessage(await bindingOverSClient(port));
      assert.ok(answer.ok);
      assert.equal(answer.value.class, MessageClass.SuccessResponse);
      const mapped = getAttribute(answer.value, Attr.XorMappedAddress);
      assert.equal(mapped?.address, '127.0.0.1');
    }
  });
});
