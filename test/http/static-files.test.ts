import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWebServer } from '../../src/http/server.ts';
import { staticPath } from '../../src/http/static-files.ts';
import { contentTypeFor } from '../../src/http/content-types.ts';
import { TurnpikeError } from '../../src/errors.ts';

/** A served tree plus a secret file beside it that must never come out. */
function tree() {
  const base = mkdtempSync(path.join(tmpdir(), 'turnpike-static-'));
  const root = path.join(base, 'site');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(path.join(root, 'app.js'), 'export const x = 1;');
  writeFileSync(path.join(root, 'style.css'), 'body{}');
  writeFileSync(path.join(root, 'blob.xyz'), 'bytes');
  writeFileSync(path.join(root, 'with space.txt'), 'spaced');
  writeFileSync(path.join(root, '.env'), 'SECRET=1');
  writeFileSync(path.join(root, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  symlinkSync(path.join(root, 'app.js'), path.join(root, 'alias.js'));
  return { base, root };
}

async function serve(t: import('node:test').TestContext) {
  const { base, root } = tree();
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  web.static('/files', root);
  const { url, port } = await web.listen();
  t.after(async () => { await web.close(); rmSync(base, { recursive: true, force: true }); });
  return { url, port };
}

/** A request whose path is sent exactly as written (fetch would normalise it). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let out = '';
    socket.on('data', (d) => { out += d.toString(); });
    socket.on('end', () => resolve({ status: Number(out.slice(9, 12)), body: out.slice(out.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

test('files come back with their content types, nosniff and a CSP that allows only this origin', async (t) => {
  const { url } = await serve(t);
  const js = await fetch(`${url}/files/app.js`);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
  assert.match(js.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal(await js.text(), 'export const x = 1;');
  assert.equal((await fetch(`${url}/files/style.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal((await fetch(`${url}/files/blob.xyz`)).headers.get('content-type'), 'application/octet-stream');
  assert.equal(await (await fetch(`${url}/files/with%20space.txt`)).text(), 'spaced');
  assert.equal(await (await fetch(`${url}/files/alias.js`)).text(), 'export const x = 1;');
});

test('the mount point and directories serve index.html; without the slash they redirect', async (t) => {
  const { url } = await serve(t);
  assert.equal(await (await fetch(`${url}/files/`)).text(), '<h1>home</h1>');
  assert.equal(await (await fetch(`${url}/files/sub/`)).text(), '<h1>sub</h1>');
  const bare = await fetch(`${url}/files?x=1`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/files/?x=1');
  const dir = await fetch(`${url}/files/sub`, { redirect: 'manual' });
  assert.equal(dir.status, 301);
  assert.equal(dir.headers.get('location'), '/files/sub/');
});

test('ETag revalidation answers 304, and HEAD sends headers only', async (t) => {
  const { url } = await serve(t);
  const first = await fetch(`${url}/files/app.js`);
  await first.text();
  const etag = first.headers.get('etag') ?? '';
  assert.match(etag, /^W\/".+"$/);
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const again = await fetch(`${url}/files/app.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const head = await fetch(`${url}/files/app.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '19');
  assert.equal(await head.text(), '');
  assert.equal((await fetch(`${url}/files/app.js`, { method: 'POST' })).status, 405);
});

test('nothing outside the directory comes out, however the path is spelled', async (t) => {
  const { url, port } = await serve(t);
  const attempts = [
    '/files/../secret.txt', '/files/%2e%2e/secret.txt', '/files/..%2fsecret.txt', '/files/..%2Fsecret.txt',
    '/files/..%5csecret.txt', '/files/..\\secret.txt', '/files/%2e%2e%5csecret.txt', '/files/sub/..%2f..%2fsecret.txt',
    '/files/escape.txt', '/files/.env', '/files/%2eenv', '/files/app.js%00.html', '/files/%E0%A4%A', '//files/../../secret.txt',
  ];
  for (const target of attempts) {
    const { status, body } = await rawGet(port, target);
    assert.ok(status >= 400 && status < 500, `${target} gave ${status}`);
    assert.ok(!body.includes('TOP SECRET') && !body.includes('SECRET=1'), `${target} leaked`);
  }
  assert.equal((await fetch(`${url}/files/missing.js`)).status, 404);
});

test('staticPath decodes segments and names why it refuses one', () => {
  assert.deepEqual(staticPath(''), { ok: true, segments: ['index.html'] });
  assert.deepEqual(staticPath('a/b%20c.js'), { ok: true, segments: ['a', 'b c.js'] });
  assert.deepEqual(staticPath('a/'), { ok: true, segments: ['a', 'index.html'] });
  assert.equal(staticPath('..%2fx').ok, false);
  assert.equal(staticPath('%2e%2e').ok, false);
  assert.deepEqual(staticPath('.git/config'), { ok: false, status: 404, reason: 'hidden files are not served' });
  assert.deepEqual(staticPath('%zz'), { ok: false, status: 400, reason: 'the path has a malformed percent-encoding' });
});

test('contentTypeFor knows the page formats and falls back to octet-stream', () => {
  assert.equal(contentTypeFor('index.HTML'), 'text/html; charset=utf-8');
  assert.equal(contentTypeFor('x.mjs'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeFor('icon.svg'), 'image/svg+xml');
  assert.equal(contentTypeFor('Makefile'), 'application/octet-stream');
});

test('serving a directory that does not exist is a configuration error at start-up', () => {
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  assert.throws(() => web.static('/x/', '/nonexistent/turnpike-dir'), (e: unknown) => e instanceof TurnpikeError && e.code === 'TURNPIKE_ERR_CONFIG_INVALID');
});
