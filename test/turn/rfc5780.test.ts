/**
 * RFC 5780's address arithmetic (src/turn/rfc5780.ts) and the plan built from the options
 * (src/server/rfc5780-plan.ts): alternates by family, OTHER-ADDRESS, RESPONSE-ORIGIN for each
 * CHANGE-REQUEST, the PADDING bound, and when RFC 5780 cannot be done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { alternateIp, alternatePort, otherAddress, paddingLength, responseOrigin, type Rfc5780Plan } from '../../src/turn/rfc5780.ts';
import { altListeningPort, rfc5780Plan, rfc5780Unavailable } from '../../src/server/rfc5780-plan.ts';

const plan: Rfc5780Plan = { ips: ['192.0.2.1', '2001:db8::1', '192.0.2.2', '2001:db8::2', '2001:db8::3'], ports: [[3478, 3479], [5349, 5350]] };

test('an IP\'s alternate is the next of its family, wrapping; a port\'s is its pair', () => {
  assert.equal(alternateIp(plan, '192.0.2.1'), '192.0.2.2');
  assert.equal(alternateIp(plan, '192.0.2.2'), '192.0.2.1');
  assert.equal(alternateIp(plan, '2001:db8::3'), '2001:db8::1');
  assert.equal(alternateIp(plan, '198.51.100.1'), undefined);
  assert.equal(alternateIp({ ips: ['192.0.2.1', '2001:db8::1'], ports: [] }, '192.0.2.1'), undefined, 'one of each family: none');
  assert.equal(alternatePort(plan, 3479), 3478);
  assert.equal(alternatePort(plan, 5349), 5350);
  assert.equal(alternatePort(plan, 443), undefined);
});

test('OTHER-ADDRESS and RESPONSE-ORIGIN for each CHANGE-REQUEST', () => {
  const local = { ip: '192.0.2.1', port: 3478 };
  assert.deepEqual(otherAddress(plan, local), { ip: '192.0.2.2', port: 3479 });
  assert.deepEqual(responseOrigin(local, { ip: '192.0.2.2', port: 3479 }, { changeIp: false, changePort: false }), local);
  assert.deepEqual(responseOrigin(local, { ip: '192.0.2.2', port: 3479 }, { changeIp: true, changePort: false }), { ip: '192.0.2.2', port: 3478 });
  assert.deepEqual(responseOrigin(local, { ip: '192.0.2.2', port: 3479 }, { changeIp: false, changePort: true }), { ip: '192.0.2.1', port: 3479 });
  assert.deepEqual(responseOrigin(local, { ip: '192.0.2.2', port: 3479 }, { changeIp: true, changePort: true }), { ip: '192.0.2.2', port: 3479 });
  assert.equal(otherAddress(plan, { ip: '192.0.2.1', port: 9999 }), undefined);
});

test('PADDING never makes an answer larger than its request, and stays 32-bit aligned', () => {
  fc.assert(
    fc.property(fc.integer({ min: 20, max: 65_535 }), fc.integer({ min: 20, max: 200 }), (request, answer) => {
      const pad = paddingLength(request, answer);
      assert.ok(pad >= 0 && pad % 4 === 0);
      if (pad > 0) assert.ok(answer + 4 + pad <= request, `${answer} + 4 + ${pad} <= ${request}`);
    }),
  );
  assert.equal(paddingLength(1500, 68), 1428);
  assert.equal(paddingLength(72, 68), 0);
});

test('the plan: rfc5780 with two IPs of a family; a warning otherwise', () => {
  const base = { rfc5780: true, listeningPort: 3478, altListeningPort: 0, tlsListeningPort: 5349, altTlsListeningPort: 0, noTls: false };
  assert.deepEqual(rfc5780Plan({ ...base, listeningIps: ['192.0.2.1', '192.0.2.2'] }), { ips: ['192.0.2.1', '192.0.2.2'], ports: [[3478, 3479], [5349, 5350]] });
  assert.deepEqual(rfc5780Plan({ ...base, noTls: true, altListeningPort: 4000, listeningIps: ['192.0.2.1', '192.0.2.2'] })?.ports, [[3478, 4000]]);
  assert.equal(altListeningPort({ listeningPort: 3478, altListeningPort: 0 }), 3479);
  for (const listeningIps of [[], ['0.0.0.0', '::'], ['192.0.2.1'], ['192.0.2.1', '2001:db8::1']]) {
    assert.equal(rfc5780Plan({ ...base, listeningIps }), undefined, listeningIps.join(','));
    assert.match(rfc5780Unavailable({ ...base, listeningIps }) ?? '', /two listening-ip/);
  }
  assert.equal(rfc5780Plan({ ...base, rfc5780: false, listeningIps: ['192.0.2.1', '192.0.2.2'] }), undefined);
  assert.equal(rfc5780Unavailable({ ...base, rfc5780: false, listeningIps: [] }), undefined, 'no warning when not asked for');
});
