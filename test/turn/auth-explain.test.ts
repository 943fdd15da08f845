/** Why a 401 happened, in words with a hint, and a reason phrase that never tells an unknown user from a wrong password. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainAuthFailure } from '../../src/turn/auth-explain.ts';
import { AUTH_FAILURES } from '../../src/turn/drop-reason.ts';
import { Attr } from '../../src/stun/types.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { errorCode, TurnHarness } from '../helpers/turn-harness.ts';
import { AuthFailureLog } from '../../src/server/auth-failure-log.ts';
import { captureLogger } from '../helpers/capture-logger.ts';

const NOW = 1_800_000_000_000;
const d = { user: 'alice', sentRealm: 'b', expectedRealm: 'a', separator: ':' };

test('every reason has words, a hint and a phrase that fits a reason phrase (RFC 8489 §14.8: under 128 characters)', () => {
  for (const reason of AUTH_FAILURES) {
    const e = explainAuthFailure(reason, d, NOW);
    assert.ok(e.words && e.hint && e.phrase, reason);
    assert.ok(e.phrase.length < 128, reason);
  }
});

test('the words say what to fix', () => {
  assert.equal(explainAuthFailure('wrong-realm', d, NOW).words, "realm 'a' expected, client sent 'b'");
  assert.equal(explainAuthFailure('unknown-user', d, NOW).words, "user 'alice' unknown in realm 'a'");
  const expired = explainAuthFailure('rest-expired', { ...d, user: `${NOW / 1000 - 180}:alice` }, NOW);
  assert.equal(expired.words, 'REST user name expired 3 minutes ago');
  assert.match(expired.hint, /clock skew/);
  assert.equal(explainAuthFailure('unknown-user', d, NOW).phrase, explainAuthFailure('bad-integrity', d, NOW).phrase, 'no user enumeration');
});

test('the 401 carries the reason in its phrase, which browsers show as errorText', () => {
  const bench = new TurnHarness();
  const c = bench.client();
  c.challenge();
  c.realm = 'elsewhere';
  const answer = c.allocate()!;
  assert.equal(errorCode(answer), 401);
  assert.equal(getAttribute(answer, Attr.ErrorCode)?.reason, "Unauthorized: realm 'example.org' expected");
});

test('each client address and reason is logged once per window; stale nonces stay at debug', () => {
  let now = NOW;
  const log = captureLogger();
  const failures = new AuthFailureLog(log, () => now);
  for (let i = 0; i < 5; i++) failures.record({ client: `198.51.100.7:${4000 + i}`, reason: 'unknown-user' });
  failures.record({ client: '198.51.100.8:4000', reason: 'unknown-user' });
  failures.record({ client: '198.51.100.7:4000', reason: 'bad-integrity' });
  failures.record({ client: '198.51.100.7:4000', reason: 'stale-nonce' });
  assert.equal(log.events.filter((e) => e.level === 'warn').length, 3);
  now += 11 * 60_000;
  failures.record({ client: '198.51.100.7:4000', reason: 'unknown-user' });
  assert.equal(log.events.filter((e) => e.level === 'warn').length, 4);
});
