/**
 * The server's own backends as peers (src/turn/backend-endpoints.ts, src/server/backend-endpoints.ts):
 * refused by address AND port in every spelling of the address, unless `allowed-peer-ip` names
 * it; found in the user database options of coturn's forms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackendEndpoints } from '../../src/turn/backend-endpoints.ts';
import { backendTargets, resolveBackendEndpoints } from '../../src/server/backend-endpoints.ts';

describe('backend endpoints', () => {
  const redis = createBackendEndpoints([{ ip: '127.0.0.1', port: 6379, what: 'redis-userdb' }, { ip: '2001:db8::5', port: 5432, what: 'psql-userdb' }]);

  it('refuse the address and port in every spelling, and nothing else', () => {
    for (const ip of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::']) {
      assert.equal(redis.refuses(ip, 6379)?.what, 'redis-userdb', ip);
    }
    assert.equal(redis.refuses('2001:db8:0:0::5', 5432)?.what, 'psql-userdb');
    assert.equal(redis.refuses('127.0.0.1', 6380), undefined);
    assert.equal(redis.refuses('127.0.0.2', 6379), undefined);
    assert.equal(redis.refuses('not an address', 6379), undefined);
  });

  it('are not refused when allowed-peer-ip names them', async () => {
    const config = { userDb: { kind: 'redis' as const, connection: 'ip=127.0.0.1 port=6390' }, allowedPeerIps: ['127.0.0.0-127.0.0.9'] };
    assert.equal((await resolveBackendEndpoints(config)).size, 0);
    assert.equal((await resolveBackendEndpoints({ ...config, allowedPeerIps: [] })).refuses('127.0.0.1', 6390)?.what, 'redis-userdb');
  });

  it('come from psql-userdb, mysql-userdb and redis-userdb, with their default ports; none from SQLite or a socket', () => {
    assert.deepEqual(backendTargets({ userDb: { kind: 'postgresql', connection: 'host=db.example port=5433 dbname=coturn' } }), [{ host: 'db.example', port: 5433, what: 'psql-userdb' }]);
    assert.deepEqual(backendTargets({ userDb: { kind: 'postgresql', connection: 'postgresql://turn@10.0.0.5/coturn' } }), [{ host: '10.0.0.5', port: 5432, what: 'psql-userdb' }]);
    assert.deepEqual(backendTargets({ userDb: { kind: 'postgresql', connection: 'host=/var/run/postgresql dbname=coturn' } }), []);
    assert.deepEqual(backendTargets({ userDb: { kind: 'mysql', connection: 'host=10.0.0.6 dbname=coturn' } }), [{ host: '10.0.0.6', port: 3306, what: 'mysql-userdb' }]);
    assert.deepEqual(backendTargets({ userDb: { kind: 'redis', connection: 'dbname=2' } }), [{ host: '127.0.0.1', port: 6379, what: 'redis-userdb' }]);
    assert.deepEqual(backendTargets({ userDb: { kind: 'sqlite', connection: '/var/lib/turn/turndb' } }), []);
    assert.deepEqual(backendTargets({ userDb: undefined }), []);
  });

  it('come from redis-statsdb and fleet-redis too, beside the user database; a string that does not parse names nothing', async () => {
    const config = {
      userDb: { kind: 'postgresql' as const, connection: 'host=10.0.0.5 dbname=coturn' },
      redisStatsDb: 'ip=10.0.0.7 port=6380 dbname=0',
      fleetRedis: 'ip=10.0.0.8',
    };
    assert.deepEqual(backendTargets(config), [
      { host: '10.0.0.5', port: 5432, what: 'psql-userdb' },
      { host: '10.0.0.7', port: 6380, what: 'redis-statsdb' },
      { host: '10.0.0.8', port: 6379, what: 'fleet-redis' },
    ]);
    assert.deepEqual(backendTargets({ ...config, redisStatsDb: 'port=notaport' }).map((t) => t.what), ['psql-userdb', 'fleet-redis']);
    const refused = await resolveBackendEndpoints({ userDb: undefined, redisStatsDb: 'ip=::ffff:127.0.0.1 port=6381', allowedPeerIps: [] });
    assert.equal(refused.refuses('127.0.0.1', 6381)?.what, 'redis-statsdb');
  });

});
