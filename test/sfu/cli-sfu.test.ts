import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { parseListenAddress, parseSfuArgs, runSfu, sfuUsage } from '../../src/cli/sfu.ts';

const fixture = new URL('./fixtures/ion-sfu-stock.toml', import.meta.url).pathname;

test('ion-sfu\'s command line: -c, -a, -cert/-key, -m and -v', () => {
  assert.deepEqual(parseSfuArgs(['-c', 'sfu.toml', '-a', ':7000']), { config: 'sfu.toml', host: '', port: 7000, cert: undefined, key: undefined, verbose: 0, help: false, metrics: { host: '', port: 8100 } });
  assert.equal(parseSfuArgs(['--addr=127.0.0.1:0']).host, '127.0.0.1');
  assert.equal(parseSfuArgs(['-v']).verbose, 1);
  assert.equal(parseSfuArgs(['-v', '2', '-m', ':8100']).verbose, 2);
  assert.deepEqual(parseListenAddress('[::1]:7000'), { host: '::1', port: 7000 });
  assert.throws(() => parseSfuArgs(['-a', '7000']), /expected \[host\]:port/);
  assert.throws(() => parseSfuArgs(['-cert', 'a.pem']), /-cert and -key go together/);
  assert.throws(() => parseSfuArgs(['--bogus']), (e: any) => e.code === 'TURNPIKE_ERR_USAGE' && /unknown option --bogus/.test(e.message));
  assert.match(sfuUsage(), /turnpike sfu/);
});

test('turnpike sfu serves /ws, the demo and ion-sdk-js, and stops on request', { timeout: 30_000 }, async () => {
  const stop = new AbortController();
  let url = '';
  const listening = new Promise<void>((resolve) => {
    void runSfu(['-c', fixture, '-a', '127.0.0.1:0', '-m', '127.0.0.1:0'], { signal: stop.signal, onListening: (u) => ((url = u), resolve()) }).then((code) => exitCode.resolve(code));
  });
  const exitCode = Promise.withResolvers<number>();
  await listening;
  const page = await fetch(`${url}/demo/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /vendor\/ion-sdk\.min\.js/);
  const sdk = await fetch(`${url}/demo/vendor/ion-sdk.min.js`);
  assert.equal(sdk.status, 200);
  assert.match(sdk.headers.get('content-type') ?? '', /javascript/);
  const schema = await (await fetch(`${url}/demo/lib/schema.js`)).text();
  assert.match(schema, /export function checkChat/);
  assert.doesNotMatch(schema, /: Checked<ChatMessage>/, 'types are stripped');
  assert.equal((await fetch(`${url}/demo/nope.js`)).status, 404);
  // The one hardened static server: a CSP on every page, no dotfiles, no way out of a mount.
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await fetch(`${url}/demo/.hidden`)).status, 404);
  assert.equal((await fetch(`${url}/demo/%2e%2e%2f%2e%2e%2fpackage.json`)).status, 400);
  assert.equal((await fetch(`${url}/demo/vendor/..%2f..%2fpackage.json`)).status, 400);
  assert.equal((await fetch(`${url}/`, { redirect: 'manual' })).headers.get('location'), '/demo/');

  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  await once(ws, 'open');
  ws.send(JSON.stringify({ method: 'leave', params: {}, id: 1 }));
  const [reply] = await once(ws, 'message');
  assert.equal(JSON.parse(String(reply)).error.code, -32601);
  ws.close();

  stop.abort();
  assert.equal(await exitCode.promise, 0);
});

test('a bad config or command line is an exit code with a message, not a crash', async () => {
  assert.equal(await runSfu(['-c', '/nonexistent/sfu.toml', '-a', '127.0.0.1:0']), 1);
  assert.equal(await runSfu(['--nope']), 2);
});
