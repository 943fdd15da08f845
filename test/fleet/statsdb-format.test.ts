/** coturn's statsdb texts: session ids, keys, status and traffic values, read back as written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allocationKey, parseSessionId, parseStatusKey, parseStatusValue, parseTrafficValue, sessionId, socketTypeName, statusValue, trafficValue,
} from '../../src/fleet/statsdb-format.ts';
import { leastLoaded, type MemberRecord } from '../../src/fleet/members.ts';
import { parseCommand } from '../../src/fleet/commands.ts';

test('session ids: 18 digits, the prefix first', () => {
  assert.equal(sessionId(123, 7), '123000000000000007');
  assert.deepEqual(parseSessionId('123000000000000007'), { prefix: 123, localId: 7 });
  assert.equal(parseSessionId('12300000000000007'), undefined);
  assert.equal(parseSessionId('023000000000000007'), undefined);
});

test('keys with and without a realm, read back', () => {
  assert.equal(allocationKey('r.example', 'u', '123000000000000007', 'status'), 'turn/realm/r.example/user/u/allocation/123000000000000007/status');
  assert.equal(allocationKey('', 'u', '1', 'total_traffic/peer'), 'turn/user/u/allocation/1/total_traffic/peer');
  assert.deepEqual(parseStatusKey('turn/realm/r.example/user/u:1/allocation/123000000000000007/status'), { realm: 'r.example', user: 'u:1', id: '123000000000000007' });
  assert.deepEqual(parseStatusKey('turn/user/u/allocation/5/status'), { realm: '', user: 'u', id: '5' });
  assert.equal(parseStatusKey('turn/realm/r/user/u/allocation/5/traffic'), undefined);
});

test('status values as coturn 4.6 writes them, and 4.5\'s short ones', () => {
  const v = statusValue({ status: 'new', lifetime: 600, type: socketTypeName('tls'), local: '[::1]:5349', remote: '[::1]:40000', ssl: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  assert.equal(v, 'new lifetime=600, type=TLS/TCP, local=[::1]:5349, remote=[::1]:40000, ssl=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384');
  assert.deepEqual(parseStatusValue(v), { status: 'new', lifetime: 600, type: 'TLS/TCP', local: '[::1]:5349', remote: '[::1]:40000', ssl: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
  assert.deepEqual(parseStatusValue('refreshed lifetime=30'), { status: 'refreshed', lifetime: 30 });
  assert.equal(parseStatusValue('deleted'), undefined);
  assert.deepEqual(['udp', 'tcp', 'tls', 'dtls', 'sctp'].map(socketTypeName), ['UDP', 'TCP', 'TLS/TCP', 'DTLS', 'UNKNOWN']);
});

test('traffic values', () => {
  const t = { rcvp: 1, rcvb: 2, sentp: 3, sentb: 4 };
  assert.equal(trafficValue(t), 'rcvp=1, rcvb=2, sentp=3, sentb=4');
  assert.deepEqual(parseTrafficValue(trafficValue(t)), t);
  assert.equal(parseTrafficValue('rcvp=1'), undefined);
});

test('the least loaded healthy member: most free relay ports, then fewest allocations', () => {
  const member = (name: string, inUse: number, total: number, allocations: number, ok = true): MemberRecord => ({
    name, advertise: '', prefix: 100, software: '', startedAt: 0, heartbeatAt: 0, heartbeat: 5,
    load: { allocations, relayPortsInUse: inUse, relayPortsTotal: total, cpu: 0 }, health: { ok, database: ok ? 'up' : 'down' },
  });
  assert.equal(leastLoaded([member('a', 50, 100, 50), member('b', 10, 100, 10), member('c', 0, 100, 0, false)])?.name, 'b');
  assert.equal(leastLoaded([member('a', 10, 100, 12), member('b', 10, 100, 10)])?.name, 'b');
  assert.equal(leastLoaded([member('c', 0, 100, 0, false)]), undefined);
});

test('commands: only a kill with an integer id is one', () => {
  assert.deepEqual(parseCommand('{"op":"kill","id":7,"by":"root"}'), { op: 'kill', id: 7, by: 'root' });
  assert.equal(parseCommand('{"op":"kill","id":"7"}'), undefined);
  assert.equal(parseCommand('{"op":"shutdown"}'), undefined);
  assert.equal(parseCommand('not json'), undefined);
});
