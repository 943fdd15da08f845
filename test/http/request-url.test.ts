import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { requestUrl } from '../../src/http/request-url.ts';

test('an origin-form target keeps its path and query on this server', () => {
  const url = requestUrl('/api/turn-credentials?service=turn', '127.0.0.1:7000', 'http');
  assert.equal(url?.href, 'http://127.0.0.1:7000/api/turn-credentials?service=turn');
});

test('a target starting with // stays a path and cannot name another host', () => {
  const url = requestUrl('//evil.example/x', 'localhost:7000', 'https');
  assert.equal(url?.host, 'localhost:7000');
  assert.equal(url?.pathname, '//evil.example/x');
});

test('an absolute-form target keeps only its path and query', () => {
  const url = requestUrl('http://evil.example/a?b=1', 'localhost', 'http');
  assert.equal(url?.href, 'http://localhost/a?b=1');
});

test('dot segments, encoded or not, are resolved by the URL parser', () => {
  assert.equal(requestUrl('/trickle-ice/../secret', 'h', 'http')?.pathname, '/secret');
  assert.equal(requestUrl('/trickle-ice/%2e%2e/secret', 'h', 'http')?.pathname, '/secret');
});

test('unusable targets and hosts: undefined or a localhost fallback, never a throw', () => {
  assert.equal(requestUrl('*', 'h', 'http'), undefined);
  assert.equal(requestUrl('', 'h', 'http'), undefined);
  assert.equal(requestUrl(undefined, 'h', 'http'), undefined);
  assert.equal(requestUrl('/x', 'bad host/../', 'http')?.host, 'localhost');
});

test('property: whatever the target, the URL names the request host or localhost, never the target', () => {
  const target = fc.oneof(fc.string(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `//${s}`), fc.webUrl());
  const host = fc.oneof(fc.constant('127.0.0.1:7000'), fc.domain(), fc.string());
  fc.assert(fc.property(target, host, (t, h) => {
    const url = requestUrl(t, h, 'http');
    if (!url) return;
    assert.ok(url.pathname.startsWith('/'));
    const expected = (() => { try { return new URL(`http://${h}`).host; } catch { return 'localhost'; } })();
    assert.ok(url.host === expected || url.host === 'localhost', `${t} with Host ${h} gave ${url.host}`);
  }), { numRuns: 400 });
});
