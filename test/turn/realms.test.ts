/**
 * Realms and the credential look-up, in the core (injected clock, no sockets): ORIGIN picks
 * the realm (RFC 8489 §9.2; coturn's origin-to-realm table), each realm has its own quotas and
 * peer policy, `check-origin-consistency` holds an allocation to its ORIGIN, and the store (a
 * database, perhaps) is asked only when a key is needed: not for a request whose nonce or
 * realm fails anyway, and not for requests on an allocation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import type { SyncCredentialStore } from '../../src/auth/credential-store.ts';
import { createPeerPolicy, DEFAULT_PEER_POLICY_OPTIONS } from '../../src/turn/peer-policy.ts';
import { fixedRealms, type RealmDirectory, type RealmLimits } from '../../src/turn/realms.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { errorCode, TurnHarness, UDP } from '../helpers/turn-harness.ts';
import { getAttribute } from '../../src/stun/index.ts';

const DEFAULT = 'north.gov';
const OTHER = 'crinna.org';
const UNLIMITED: RealmLimits = { maxBps: 0, userQuota: 0, totalQuota: 0 };

/** Users per realm: gorst in north.gov, whirrun in crinna.org (the coturn schema's examples). */
const store: SyncCredentialStore = {
  lookup(username, realm) {
    const password = ({ [`${DEFAULT}/gorst`]: 'hero', [`${OTHER}/whirrun`]: 'axe' } as Record<string, string>)[`${realm}/${username}`];
    return password === undefined ? { keys: [], reason: 'unknown-user' } : { keys: [longTermKey(username, realm, password)] };
  },
};

/** crinna.org: reached from https://crinna.org:443, one allocation per user, 203.0.113.5 refused. */
function directory(): RealmDirectory {
  const base = createPeerPolicy({ ...DEFAULT_PEER_POLICY_OPTIONS });
  const fixed = fixedRealms(DEFAULT, UNLIMITED, base);
  const strict = createPeerPolicy({ ...DEFAULT_PEER_POLICY_OPTIONS, deniedPeerIps: ['203.0.113.5'] });
  return {
    defaultRealm: DEFAULT,
    realmOf: (origin) => (origin === 'https://crinna.org:443' ? OTHER : DEFAULT),
    limits: (realm) => (realm === OTHER ? { ...UNLIMITED, userQuota: 1 } : UNLIMITED),
    policy: (realm) => (realm === OTHER ? strict : fixed.policy(realm)),
  };
}

const origin = (value: string) => ({ type: Attr.Origin, value }) as const;
const transport = { type: Attr.RequestedTransport, value: UDP } as const;

describe('the credential store is asked only when a key is needed', () => {
  test('one look-up for the Allocate; none for a forged nonce, a wrong realm, or requests on the allocation', () => {
    const bench = new TurnHarness({ core: { realm: DEFAULT }, store });
    const c = bench.client({ user: 'gorst', password: 'hero' });
    c.challenge();
    assert.equal(bench.lookups, 0, 'an unsigned request needs no key');
    c.allocateOk();
    assert.equal(bench.lookups, 1);
    assert.equal(errorCode(c.refresh(600)!), 0);
    assert.equal(errorCode(c.createPermission([{ family: 'IPv4', address: '198.51.100.9', port: 0 }])!), 0);
    assert.equal(bench.lookups, 1, 'requests on the allocation use its key');

    const forged = bench.client({ user: 'gorst', password: 'hero' });
    forged.nonce = 'obviously-not-a-nonce-of-this-server';
    forged.realm = DEFAULT;
    assert.equal(errorCode(forged.allocate([transport])!), 438);
    const wrongRealm = bench.client({ user: 'gorst', password: 'hero' });
    wrongRealm.challenge();
    wrongRealm.realm = 'elsewhere.example';
    assert.equal(errorCode(wrongRealm.allocate([transport])!), 401);
    assert.equal(bench.lookups, 1, 'no look-up for a request that fails its nonce or realm');
  });

  test('a wrong password on an allocation still fails: the allocation key is checked, not trusted', () => {
    const bench = new TurnHarness({ core: { realm: DEFAULT }, store });
    const c = bench.client({ user: 'gorst', password: 'hero' });
    c.allocateOk();
    assert.equal(errorCode(c.refresh(600, { as: { user: 'gorst', password: 'guess' } })!), 401);
  });
});

describe('ORIGIN picks the realm', () => {
  test('a known ORIGIN is challenged with its realm, and its users allocate there; no ORIGIN means the default realm', () => {
    const bench = new TurnHarness({ core: { realm: DEFAULT }, store, realms: directory() });
    const c = bench.client({ user: 'whirrun', password: 'axe' });
    const challenge = c.request(Method.Allocate, [transport, origin('HTTPS://Crinna.org/call?x=1')], { sign: false })!;
    assert.equal(errorCode(challenge), 401);
    assert.equal(getAttribute(challenge, Attr.Realm), OTHER, 'the canonical origin maps to crinna.org');
    assert.equal(errorCode(c.request(Method.Allocate, [transport, origin('https://crinna.org')])!), 0);
    assert.equal(c.allocation?.realm, OTHER);

    const d = bench.client({ user: 'whirrun', password: 'axe' });
    assert.equal(getAttribute(d.challenge(), Attr.Realm), DEFAULT);
    assert.equal(errorCode(d.allocate([transport])!), 401, 'whirrun is no user of the default realm');
    const g = bench.client({ user: 'gorst', password: 'hero' });
    assert.equal(errorCode(g.allocate([transport, origin('https://unknown.example')])!), 0, 'an unknown ORIGIN falls back to the default realm');
    assert.equal(g.allocation?.realm, DEFAULT);
  });

  test("each realm has its own quota and peer policy", () => {
    const bench = new TurnHarness({ core: { realm: DEFAULT }, store, realms: directory() });
    const first = bench.client({ user: 'whirrun', password: 'axe' });
    first.request(Method.Allocate, [transport, origin('https://crinna.org:443')], { sign: false });
    assert.equal(errorCode(first.request(Method.Allocate, [transport, origin('https://crinna.org:443')])!), 0);
    const second = bench.client({ user: 'whirrun', password: 'axe' });
    second.request(Method.Allocate, [transport, origin('https://crinna.org:443')], { sign: false });
    assert.equal(errorCode(second.request(Method.Allocate, [transport, origin('https://crinna.org:443')])!), 486, "crinna.org's user-quota is 1");
    const refused = { family: 'IPv4' as const, address: '203.0.113.5', port: 0 };
    assert.equal(errorCode(first.createPermission([refused], { }) ?? assert.fail('answered')), 403, "crinna.org's denied range");

    for (let i = 0; i < 3; i++) bench.client({ user: 'gorst', password: 'hero' }).allocateOk();
    const g = bench.client({ user: 'gorst', password: 'hero' });
    g.allocateOk();
    assert.equal(errorCode(g.createPermission([refused])!), 0, 'the default realm allows it');
  });

  test('check-origin-consistency: requests on an allocation must carry its ORIGIN (441 otherwise)', () => {
    const bench = new TurnHarness({ core: { realm: DEFAULT, checkOriginConsistency: true }, store, realms: directory() });
    const c = bench.client({ user: 'whirrun', password: 'axe' });
    c.request(Method.Allocate, [transport, origin('https://crinna.org:443')], { sign: false });
    assert.equal(errorCode(c.request(Method.Allocate, [transport, origin('https://crinna.org:443')])!), 0);
    assert.equal(errorCode(c.request(Method.Refresh, [origin('https://crinna.org')])!), 0, 'the same origin, spelled otherwise');
    assert.equal(errorCode(c.request(Method.Refresh, [])!), 441, 'no ORIGIN');
    assert.equal(errorCode(c.request(Method.Refresh, [origin('https://evil.example')])!), 441, 'another ORIGIN');
  });
});
