/**
 * HTTP on the STUN/TURN stream ports. `acme-redirect`: an ACME HTTP-01 challenge request
 * (RFC 8555 §8.3) on the TURN TCP port gets coturn's 301 redirect to the configured URL plus
 * the token, then the connection closes. `respond-http-unsupported`: other HTTP requests get
 * 400 and a close. STUN over TCP on the same port goes on as before. The recognisers are pure
 * and are checked byte by byte too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { acmeRedirectResponse, acmeRedirectTarget, httpUnsupportedResponse, isHttpRequest } from '../../src/server/http-on-turn-port.ts';
import { encodeMessage } from '../../src/stun/index.ts';
import { MessageClass, Method } from '../../src/stun/types.ts';
import { newTransactionId } from '../../src/client/transactions.ts';
import { HOST, startServer, TcpClient, type TestServer } from './wire.ts';

const URL_BASE = 'http://acme.example.org/.well-known/acme-challenge/';
const TOKEN = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
const request = (line: string) => Buffer.from(`${line}\r\nHost: turn.example.org\r\nUser-Agent: acme\r\nAccept: */*\r\n\r\n`, 'latin1');

describe('the HTTP recognisers', () => {
  test('a challenge GET gives the URL followed by the token', () => {
    assert.equal(acmeRedirectTarget(request(`GET /.well-known/acme-challenge/${TOKEN} HTTP/1.1`), URL_BASE), `${URL_BASE}${TOKEN}`);
    assert.equal(acmeRedirectTarget(request('GET /.well-known/acme-challenge/abcdefghij HTTP/1.0'), 'https://x/'), 'https://x/abcdefghij');
  });

  test('anything else is not a challenge', () => {
    for (const line of [
      `POST /.well-known/acme-challenge/${TOKEN} HTTP/1.1`,
      'GET /.well-known/acme-challenge/short HTTP/1.1',
      'GET /.well-known/acme-challenge/../../etc/passwd HTTP/1.1',
      `GET /.well-known/acme-challenge/${TOKEN}?x=1 HTTP/1.1`,
      `GET /.well-known/acme-challenge/${TOKEN} HTTP/2`,
      `GET /.well-known/acme-challenge/${'a'.repeat(120)} HTTP/1.1`,
      'GET / HTTP/1.1',
    ]) {
      assert.equal(acmeRedirectTarget(request(line), URL_BASE), undefined, line);
    }
    assert.equal(acmeRedirectTarget(Buffer.from(`GET /.well-known/acme-challenge/${TOKEN}`), URL_BASE), undefined, 'no HTTP version');
    assert.equal(acmeRedirectTarget(new Uint8Array([0x00, 0x01, 0x00, 0x00]), URL_BASE), undefined, 'STUN');
  });

  test('HTTP requests are told from STUN and ChannelData', () => {
    for (const line of ['GET / HTTP/1.1', 'POST /api HTTP/1.0', 'PUT /x HTTP/1.1', 'DELETE /x HTTP/1.1']) assert.ok(isHttpRequest(request(line)), line);
    for (const line of ['HEAD / HTTP/1.1', 'GET /', 'get / HTTP/1.1']) assert.ok(!isHttpRequest(request(line)), line);
    const binding = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [] });
    assert.ok(!isHttpRequest(binding));
    assert.ok(!isHttpRequest(new Uint8Array([0x40, 0x00, 0x00, 0x10, ...new Uint8Array(16)])), 'ChannelData');
  });

  test('the answers are complete HTTP responses with bodies of the stated length', () => {
    for (const [text, status] of [[acmeRedirectResponse('https://x/abc'), '301 Moved Permanently'], [httpUnsupportedResponse('tcp'), '400 TCP Not supported']] as const) {
      const [head, body] = text.split('\r\n\r\n');
      assert.ok(head.startsWith(`HTTP/1.1 ${status}\r\n`), head);
      assert.match(head, /\r\nConnection: close(\r\n|$)/);
      assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
    }
    assert.match(acmeRedirectResponse('https://x/abc'), /\r\nLocation: https:\/\/x\/abc\r\n/);
  });
});

/** Writes `bytes` on a new connection and collects what comes back until the server closes it. */
function exchange(port: number, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => socket.write(bytes));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

async function bindingWorks(port: number): Promise<void> {
  const client = await new TcpClient().connect(port);
  try {
    const answer = await client.request(Method.Binding, [], false);
    assert.equal(answer.method, Method.Binding);
    assert.equal(answer.class, MessageClass.SuccessResponse);
  } finally {
    await client.close();
  }
}

describe('acme-redirect and respond-http-unsupported on a running server', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer([`--acme-redirect=${URL_BASE}`, '--respond-http-unsupported']);
  });
  after(() => ts.server.close());

  test('a challenge request on the TURN TCP port is redirected, then the connection closes', async () => {
    const answer = await exchange(ts.port, request(`GET /.well-known/acme-challenge/${TOKEN} HTTP/1.1`));
    assert.ok(answer.startsWith('HTTP/1.1 301 Moved Permanently\r\n'), answer);
    assert.ok(answer.includes(`\r\nLocation: ${URL_BASE}${TOKEN}\r\n`), answer);
  });

  test('another HTTP request gets 400, then the connection closes', async () => {
    const answer = await exchange(ts.port, request('GET /index.html HTTP/1.1'));
    assert.ok(answer.startsWith('HTTP/1.1 400 TCP Not supported\r\n'), answer);
  });

  test('STUN over TCP on the same port is unaffected', () => bindingWorks(ts.port));
});
