import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from '../../src/http/router.ts';
import { TurnpikeError } from '../../src/errors.ts';

test('an exact path matches only itself', () => {
  const t = new RouteTable<string>();
  t.add('GET', '/api/server-info', 'info');
  assert.deepEqual(t.match('GET', '/api/server-info'), { kind: 'found', value: 'info' });
  assert.deepEqual(t.match('GET', '/api/server-info/'), { kind: 'not-found' });
  assert.deepEqual(t.match('GET', '/api/server-infoX'), { kind: 'not-found' });
});

test('a /* prefix matches below it, the longest prefix wins, and exact paths beat prefixes', () => {
  const t = new RouteTable<string>();
  t.add('GET', '/admin/*', 'admin');
  t.add('GET', '/admin/users/*', 'users');
  t.add('GET', '/admin/users/root', 'root');
  assert.deepEqual(t.match('GET', '/admin/x'), { kind: 'found', value: 'admin' });
  assert.deepEqual(t.match('GET', '/admin/users/alice'), { kind: 'found', value: 'users' });
  assert.deepEqual(t.match('GET', '/admin/users/root'), { kind: 'found', value: 'root' });
  assert.deepEqual(t.match('GET', '/admin'), { kind: 'not-found' });
});

test('a known path with another method is a 405 listing what is allowed, HEAD included with GET', () => {
  const t = new RouteTable<string>();
  t.add('GET', '/x', 'get');
  t.add('DELETE', '/x', 'del');
  assert.deepEqual(t.match('HEAD', '/x'), { kind: 'found', value: 'get' });
  assert.deepEqual(t.match('POST', '/x'), { kind: 'method-not-allowed', allow: ['GET', 'DELETE', 'HEAD'] });
});

test('registering a route twice or without a leading slash is refused', () => {
  const t = new RouteTable<string>();
  t.add('GET', '/x', 'a');
  assert.throws(() => t.add('GET', '/x', 'b'), (e: unknown) => e instanceof TurnpikeError && e.code === 'TURNPIKE_ERR_CONFIG_INVALID');
  assert.throws(() => t.add('GET', 'x', 'b'), TurnpikeError);
  t.add('POST', '/x', 'c');
});
