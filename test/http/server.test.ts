import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { createWebServer, type WebServer } from '../../src/http/server.ts';
import { readJsonBody, sendJson } from '../../src/http/responses.ts';
import { TurnpikeError } from '../../src/errors.ts';

type Logged = { level: string; event: string; fields?: Record<string, unknown> };

async function started(setup: (web: WebServer) => void, tls?: { cert: string; key: string }) {
  const logged: Logged[] = [];
  const web = createWebServer({ host: '127.0.0.1', port: 0, tls, log: (level, event, fields) => logged.push({ level, event, fields }) });
  setup(web);
  const { url, port } = await web.listen();
  return { web, url, port, logged };
}

/** Sends raw bytes and returns everything the server wrote back before closing. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d) => { out += d.toString(); });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

test('routes answer, unknown paths are 404 JSON and wrong methods 405 JSON with Allow', async (t) => {
  const { web, url } = await started((w) => {
    w.route('GET', '/api/ping', (_req, res) => sendJson(res, 200, { pong: true }));
    w.route('GET', '/api/items/*', (_req, res, u) => sendJson(res, 200, { item: u.pathname.slice('/api/items/'.length), q: u.searchParams.get('q') }));
  });
  t.after(() => web.close());
  assert.deepEqual(await (await fetch(`${url}/api/ping`)).json(), { pong: true });
  assert.deepEqual(await (await fetch(`${url}/api/items/42?q=x`)).json(), { item: '42', q: 'x' });

  const missing = await fetch(`${url}/api/nope`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await missing.json(), { error: { code: 'not_found', message: 'nothing at /api/nope' } });

  const wrong = await fetch(`${url}/api/ping`, { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
  assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
});

test('a handler that throws or rejects gets a 500 JSON, is logged, and the server keeps serving', async (t) => {
  const { web, url, logged } = await started((w) => {
    w.route('GET', '/boom', () => { throw new Error('kaboom'); });
    w.route('POST', '/boom-later', async () => { await Promise.resolve(); throw new TurnpikeError('TURNPIKE_ERR_DATABASE', 'db down'); });
    w.route('GET', '/ok', (_req, res) => sendJson(res, 200, { ok: 1 }));
  });
  t.after(() => web.close());
  const a = await fetch(`${url}/boom`);
  assert.equal(a.status, 500);
  assert.deepEqual(((await a.json()) as { error: { code: string } }).error.code, 'internal_error');
  const b = await fetch(`${url}/boom-later`, { method: 'POST' });
  assert.equal(b.status, 500);
  await b.arrayBuffer();
  assert.equal((await fetch(`${url}/ok`)).status, 200);
  const failures = logged.filter((l) => l.event === 'http.handler_failed');
  assert.equal(failures.length, 2);
  assert.equal(failures[0].level, 'error');
  assert.equal(failures[0].fields?.reason, 'kaboom');
  assert.equal(failures[1].fields?.code, 'TURNPIKE_ERR_DATABASE');
});

test('garbage on the socket gets a 400 and the server survives', async (t) => {
  const { web, url, port } = await started((w) => w.route('GET', '/ok', (_req, res) => sendJson(res, 200, {})));
  t.after(() => web.close());
  assert.match(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400/);
  assert.match(await raw(port, 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400[\s\S]*bad_request/);
  assert.equal((await fetch(`${url}/ok`)).status, 200);
});

test('readJsonBody gives 415, 413 and 400 descriptions instead of throwing', async (t) => {
  const { web, url } = await started((w) => w.route('PUT', '/echo', async (req, res) => {
    const body = await readJsonBody(req, 32);
    if (body.ok) sendJson(res, 200, { got: body.value });
    else sendJson(res, body.status, { error: { code: body.code, message: body.message } });
  }));
  t.after(() => web.close());
  const put = (body: string, type = 'application/json') => fetch(`${url}/echo`, { method: 'PUT', body, headers: { 'content-type': type } });
  assert.deepEqual(await (await put('{"a":1}')).json(), { got: { a: 1 } });
  assert.equal((await put('{"a":1}', 'text/plain')).status, 415);
  assert.equal((await put(JSON.stringify({ long: 'x'.repeat(100) }))).status, 413);
  const bad = await put('{nope');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not valid JSON/);
});

test('upgrade requests reach the handler for their path; elsewhere they are plain HTTP requests', async (t) => {
  const { web, port } = await started((w) => {
    w.upgrade('/ws', (_req, socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello');
    });
    w.route('GET', '/page', (_req, res) => sendJson(res, 200, { plain: true }));
  });
  t.after(() => web.close());
  const ask = (path: string) => raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: test\r\n\r\n`);
  assert.match(await ask('/ws'), /^HTTP\/1\.1 101[\s\S]*hello$/);
  assert.match(await ask('/elsewhere'), /^HTTP\/1\.1 404[\s\S]*not_found/);
  assert.match(await ask('/page'), /^HTTP\/1\.1 200[\s\S]*"plain":true/);
});

test('close() ends upgraded connections that are still open', async () => {
  const { web, port } = await started((w) => w.upgrade('/ws', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
  }));
  const client = net.connect(port, '127.0.0.1');
  const ended = new Promise<void>((resolve) => client.on('close', () => resolve()));
  client.on('error', () => {});
  client.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
  await new Promise((resolve) => client.once('data', resolve));
  await web.close();
  await ended;
});

test('with cert and key it serves HTTPS', async (t) => {
  const cert = readFileSync(new URL('fixtures/localhost-cert.pem', import.meta.url), 'utf8');
  const key = readFileSync(new URL('fixtures/localhost-key.pem', import.meta.url), 'utf8');
  const { web, url, port } = await started((w) => w.route('GET', '/api/ping', (_req, res) => sendJson(res, 200, { tls: true })), { cert, key });
  t.after(() => web.close());
  assert.equal(url, `https://127.0.0.1:${port}`);
  const body = await new Promise<string>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/api/ping', ca: cert, servername: 'localhost' }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  assert.deepEqual(JSON.parse(body), { tls: true });
  // A plain-text client on the TLS port is a handshake failure, logged and survived.
  await raw(port, 'GET / HTTP/1.1\r\n\r\n').catch(() => '');
});

test('a port already in use fails listen() with LISTEN_FAILED', async (t) => {
  const first = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  const { port } = await first.listen();
  t.after(() => first.close());
  const second = createWebServer({ host: '127.0.0.1', port, log: () => {} });
  await assert.rejects(second.listen(), (e: unknown) => e instanceof TurnpikeError && e.code === 'TURNPIKE_ERR_LISTEN_FAILED' && e.message.includes(`127.0.0.1:${port}`));
});

test('listen() on IPv6 reports a bracketed URL that works; close() twice is harmless', async () => {
  const web = createWebServer({ host: '::1', port: 0, log: () => {} });
  web.route('GET', '/x', (_req, res) => sendJson(res, 200, { v6: true }));
  const { url, port } = await web.listen();
  assert.equal(url, `http://[::1]:${port}`);
  assert.deepEqual(await (await fetch(`${url}/x`)).json(), { v6: true });
  await web.close();
  await web.close();
});
