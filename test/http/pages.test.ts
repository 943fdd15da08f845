import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebServer } from '../../src/http/server.ts';
import { registerPages } from '../../src/http/pages.ts';

async function serve(t: import('node:test').TestContext, redirectRoot?: boolean) {
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  registerPages(web, { redirectRoot });
  const { url } = await web.listen();
  t.after(() => web.close());
  return url;
}

test('/ and /trickle-ice lead to the trickle-ICE page', async (t) => {
  const url = await serve(t);
  const root = await fetch(`${url}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/trickle-ice/');
  const bare = await fetch(`${url}/trickle-ice`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/trickle-ice/');
  const page = await fetch(`${url}/trickle-ice/`);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await page.text(), /<title>Trickle ICE · Turnpike<\/title>/);
});

test('the page loads only its own scripts and styles, each with the right type', async (t) => {
  const url = await serve(t);
  const html = await (await fetch(`${url}/trickle-ice/`)).text();
  assert.doesNotMatch(html, /https?:\/\//, 'nothing from another origin');
  const files = {
    '/trickle-ice/trickle-ice.js': 'text/javascript; charset=utf-8',
    '/trickle-ice/verdict.js': 'text/javascript; charset=utf-8',
    '/trickle-ice/trickle-ice.css': 'text/css; charset=utf-8',
    '/common/base.css': 'text/css; charset=utf-8',
    '/common/dom.js': 'text/javascript; charset=utf-8',
    '/common/api.js': 'text/javascript; charset=utf-8',
  };
  for (const [path, type] of Object.entries(files)) {
    const res = await fetch(url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.doesNotMatch(await res.text(), /https?:\/\/(?!tools\.ietf)/, `${path} loads nothing from elsewhere`);
  }
});

test('with redirectRoot false, / is left for someone else', async (t) => {
  const url = await serve(t, false);
  assert.equal((await fetch(`${url}/`, { redirect: 'manual' })).status, 404);
});
