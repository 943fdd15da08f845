/**
 * Realms read from a real SQLite user database in coturn's schema: origins, realm options and
 * peer ranges become the core's realm directory; database ranges never weaken the configured
 * peer policy; bad rows are skipped and named once in the log; `no-dynamic-realms` and
 * `no-dynamic-ip-list` keep the database out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openUserDatabase } from '../../src/db/open.ts';
import type { UserDatabase } from '../../src/db/types.ts';
import { DatabaseHealth } from '../../src/db/health.ts';
import { createDatabaseRealmDirectory } from '../../src/db/realm-directory.ts';
import { DEFAULT_PEER_POLICY_OPTIONS } from '../../src/turn/peer-policy.ts';
import { captureLogger } from '../helpers/capture-logger.ts';

const LIMITS = { maxBps: 1000, userQuota: 0, totalQuota: 50 };

describe('a realm directory fed by SQLite', () => {
  let dir: string;
  let file: string;
  let db: UserDatabase;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'turnpike-realms-'));
    file = join(dir, 'turndb');
    db = await openUserDatabase({ kind: 'sqlite', connection: file });
    await db.addOrigin('https://crinna.org:443', 'crinna.org');
    await db.setRealmOption('crinna.org', 'max-bps', 400000);
    await db.setRealmOption('crinna.org', 'user-quota', 8);
    await db.setRealmOption('north.gov', 'total-quota', 12);
    // Rows written as another tool would: ranges, and rows this server must skip.
    const raw = new DatabaseSync(file);
    raw.exec(`insert into denied_peer_ip (realm, ip_range) values ('north.gov', '198.51.100.10-198.51.100.20'), ('north.gov', '198.51.100.0/24'), ('crinna.org', '203.0.113.5')`);
    raw.exec(`insert into allowed_peer_ip (realm, ip_range) values ('north.gov', '198.51.100.15'), ('north.gov', '10.1.2.3')`);
    raw.exec(`insert into denied_peer_ip (realm, ip_range) values ('', '192.0.2.77')`);
    raw.exec(`insert into turn_realm_option (realm, opt, value) values ('crinna.org', 'total-quota', 'lots')`);
    raw.close();
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (over: { noDynamicRealms?: boolean; noDynamicIpList?: boolean } = {}) => {
    const log = captureLogger();
    const directory = createDatabaseRealmDirectory({
      db, health: new DatabaseHealth(log, db.description), log, realm: 'north.gov', limits: LIMITS,
      peerOptions: DEFAULT_PEER_POLICY_OPTIONS, noDynamicRealms: over.noDynamicRealms ?? false, noDynamicIpList: over.noDynamicIpList ?? false,
    });
    return { directory, log };
  };

  test('origins map to realms; realm options replace the configured limits one by one', async () => {
    const { directory } = build();
    await directory.refresh();
    assert.equal(directory.realmOf('https://crinna.org:443'), 'crinna.org');
    assert.equal(directory.realmOf('https://other.example:443'), 'north.gov');
    assert.equal(directory.realmOf(undefined), 'north.gov');
    assert.deepEqual(directory.limits('crinna.org'), { maxBps: 400000, userQuota: 8, totalQuota: 50 });
    assert.deepEqual(directory.limits('north.gov'), { maxBps: 1000, userQuota: 0, totalQuota: 12 });
    assert.deepEqual(directory.limits('nowhere'), LIMITS);
  });

  test('database ranges refuse more, and never open what the defaults refuse', async () => {
    const { directory } = build();
    await directory.refresh();
    const north = directory.policy('north.gov');
    assert.deepEqual(north.check('198.51.100.12'), { allowed: false, reason: 'denied-peer-ip' });
    assert.deepEqual(north.check('198.51.100.15'), { allowed: true }, "an allowed row makes a hole in the realm's own denied range");
    assert.equal(north.check('10.1.2.3').allowed, false, 'an allowed row does not open a private address');
    assert.equal(north.check('::ffff:198.51.100.12').allowed, false, 'nor does another spelling of a denied one');
    assert.deepEqual(north.check('198.51.100.99'), { allowed: true });
    assert.equal(directory.policy('crinna.org').check('203.0.113.5').allowed, false);
    assert.equal(directory.policy('north.gov').check('203.0.113.5').allowed, true);
    for (const realm of ['north.gov', 'crinna.org', 'any.other']) {
      assert.equal(directory.policy(realm).check('192.0.2.77').allowed, false, `rows of realm '' refuse in ${realm} too`);
    }
  });

  test('bad rows are skipped and named once in the log', async () => {
    const { directory, log } = build();
    await directory.refresh();
    await directory.refresh();
    const bad = log.events.filter((e) => e.event === 'user-database-bad-row');
    assert.deepEqual(bad.map((e) => e.fields.table), ['denied_peer_ip'], 'once, though read twice (the non-numeric realm option is left out by the backend)');
    assert.match(String(bad.find((e) => e.fields.table === 'denied_peer_ip')?.fields.row), /198\.51\.100\.0\/24/);
  });

  test('edits show at the next refresh; no-dynamic-realms and no-dynamic-ip-list keep the database out', async () => {
    const { directory } = build();
    await directory.refresh();
    await db.addOrigin('https://bligh.edu:443', 'crinna.org');
    assert.equal(directory.realmOf('https://bligh.edu:443'), 'north.gov', 'a snapshot: nothing waits on the database');
    await directory.refresh();
    assert.equal(directory.realmOf('https://bligh.edu:443'), 'crinna.org');

    const fixed = build({ noDynamicRealms: true, noDynamicIpList: true }).directory;
    await fixed.refresh();
    assert.equal(fixed.realmOf('https://crinna.org:443'), 'north.gov');
    assert.deepEqual(fixed.limits('crinna.org'), LIMITS);
    assert.equal(fixed.policy('north.gov').check('198.51.100.12').allowed, true);
  });
});
