/**
 * Fleet balancing (`fleet-redirect-at`, RFC 8489 §10): a loaded member answers a first Allocate
 * with 300 Try Alternate naming the least-loaded other member, with targets injected as the
 * fleet driver would from the member registry. Which member is chosen, per transport and
 * family; the threshold and the margin; Allocates already sent counted until the target's next
 * heartbeat, so a burst is spread and no target ends more loaded than the sender; two members
 * never send a client back and forth; a member dropped from the registry is no longer chosen;
 * and static `alternate-server` rotations come first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { AlternateServers } from '../../src/turn/alternate-servers.ts';
import { FleetRedirect, type FleetTarget } from '../../src/turn/fleet-redirect.ts';
import { redirectTargets, parseAdvertised } from '../../src/fleet/redirect-targets.ts';
import type { MemberRecord } from '../../src/fleet/members.ts';
import { errorCode, FakeTransport, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const HERE = { ip: '192.0.2.1', port: 3478 };

function target(name: string, allocations: number, last: number, heartbeatAt = 1000): FleetTarget {
  return {
    name, allocations, heartbeatAt,
    plain: { ip: `192.0.2.${last}`, port: 3478 },
    secure: { ip: `192.0.2.${last}`, port: 5349 },
  };
}

const at = (r: FleetRedirect, own: number, protocol: 'udp' | 'tcp' | 'tls' | 'dtls' = 'udp'): string | undefined => {
  const t = r.redirect(protocol, HERE.ip, protocol === 'tls' || protocol === 'dtls' ? 5349 : HERE.port, own);
  return t === undefined ? undefined : `${t.ip}:${t.port}`;
};

describe('FleetRedirect: where a loaded member sends an Allocate', () => {
  it('below the threshold nothing is redirected; at it, the least-loaded member (then by name)', () => {
    const r = new FleetRedirect({ threshold: 3, margin: 1 });
    r.setTargets([target('c', 1, 13), target('b', 0, 12), target('d', 0, 14)]);
    assert.equal(at(r, 2), undefined);
    assert.equal(at(r, 3), '192.0.2.12:3478');
  });

  it('UDP and TCP clients go to the advertised address, TLS and DTLS ones to the TLS port; other families never', () => {
    const r = new FleetRedirect({ threshold: 1, margin: 1 });
    r.setTargets([target('b', 0, 12)]);
    assert.equal(at(r, 50, 'tcp'), '192.0.2.12:3478');
    assert.equal(at(r, 50, 'tls'), '192.0.2.12:5349');
    assert.equal(at(r, 50, 'dtls'), '192.0.2.12:5349');
    assert.equal(r.redirect('udp', '2001:db8::1', 3478, 50), undefined, 'an IPv6 client is not sent to an IPv4 address');
    r.setTargets([{ ...target('b', 0, 12), secure: undefined }]);
    assert.equal(at(r, 50, 'tls'), undefined, 'a member without TLS takes no TLS client');
    assert.equal(at(r, 50, 'udp'), '192.0.2.12:3478');
  });

  it('the margin: a target must hold at least that many fewer, Allocates already sent counted', () => {
    const r = new FleetRedirect({ threshold: 1, margin: 3 });
    r.setTargets([target('b', 5, 12)]);
    assert.equal(at(r, 7), undefined, '5 + 3 > 7');
    assert.equal(at(r, 8), '192.0.2.12:3478');
    assert.equal(at(r, 8), undefined, 'one sent: 6 + 3 > 8');
  });

  it('a burst is spread over the targets, and none ends more loaded than the sender', () => {
    const r = new FleetRedirect({ threshold: 1, margin: 1 });
    r.setTargets([target('b', 0, 12), target('c', 2, 13)]);
    const sent = Array.from({ length: 7 }, () => at(r, 4)?.slice(8, 10));
    // B (0) takes three, then the two in turn while each would hold fewer than 4; then none.
    assert.deepEqual(sent, ['12', '12', '12', '13', '12', '13', undefined]);
    assert.deepEqual(r.targets(), [{ name: 'b', allocations: 0, sent: 4 }, { name: 'c', allocations: 2, sent: 2 }]);
    assert.equal(r.redirected, 6);
  });

  it('Allocates sent are counted until the target\'s next heartbeat, then its own count replaces them', () => {
    const r = new FleetRedirect({ threshold: 1, margin: 1 });
    r.setTargets([target('b', 0, 12, 1000)]);
    assert.equal(at(r, 1), '192.0.2.12:3478');
    assert.equal(at(r, 1), undefined);
    r.setTargets([target('b', 0, 12, 1000)]);
    assert.equal(at(r, 1), undefined, 'the same heartbeat: the one sent still counts');
    r.setTargets([target('b', 0, 12, 2000)]);
    assert.equal(at(r, 1), '192.0.2.12:3478', 'a newer heartbeat says what B holds');
  });

  it('two loaded members never send a client back and forth', () => {
    // A holds 4, B 3, both loaded at 1 and each reading the other's heartbeat.
    const a = new FleetRedirect({ threshold: 1, margin: 1 });
    const b = new FleetRedirect({ threshold: 1, margin: 1 });
    a.setTargets([target('b', 3, 12)]);
    b.setTargets([target('a', 4, 11)]);
    assert.equal(at(a, 4), '192.0.2.12:3478', 'A sends one to B');
    assert.equal(at(b, 3), undefined, 'B, which would hold 4 with it, serves it: A is not less loaded');
    assert.equal(at(a, 4), undefined, 'A sends B no more: B would hold as many as A');
    // Equal loads: neither sends.
    a.setTargets([target('b', 4, 12)]);
    assert.equal(at(a, 4), undefined);
  });

  it('a member left out of the registry (stopped, or unhealthy) is no longer chosen; its own address never', () => {
    const r = new FleetRedirect({ threshold: 1, margin: 1 });
    r.setTargets([target('b', 0, 12), target('c', 1, 13)]);
    assert.equal(at(r, 5), '192.0.2.12:3478');
    r.setTargets([target('c', 1, 13)]);
    assert.equal(at(r, 5), '192.0.2.13:3478');
    r.setTargets([]);
    assert.equal(at(r, 5), undefined);
    r.setTargets([{ ...target('self-twin', 0, 1) }]);
    assert.equal(at(r, 5), undefined, 'a record advertising the address the request came to is this server');
  });
});

describe('the driver\'s view of the registry', () => {
  const record = (name: string, advertise: string, ok = true, advertiseTls = ''): MemberRecord => ({
    name, advertise, advertiseTls, prefix: 100, software: 'Turnpike', startedAt: 0, heartbeatAt: 5, heartbeat: 1,
    load: { allocations: 2, relayPortsInUse: 2, relayPortsTotal: 100, cpu: 0 }, health: { ok, database: ok ? 'up' : 'down' },
  });

  it('targets are the other healthy members that advertise an address', () => {
    const targets = redirectTargets([
      record('self', '192.0.2.1:3478'), record('b', '192.0.2.12:3478', true, '192.0.2.12:5349'),
      record('sick', '192.0.2.13:3478', false), record('silent', ''), record('v6', '[2001:db8::2]:3478'),
    ], 'self');
    assert.deepEqual(targets, [
      { name: 'b', plain: { ip: '192.0.2.12', port: 3478 }, secure: { ip: '192.0.2.12', port: 5349 }, allocations: 2, heartbeatAt: 5 },
      { name: 'v6', plain: { ip: '2001:db8::2', port: 3478 }, secure: undefined, allocations: 2, heartbeatAt: 5 },
    ]);
  });

  it('parses advertised addresses, refusing anything else', () => {
    assert.deepEqual(parseAdvertised('198.51.100.7:3478'), { ip: '198.51.100.7', port: 3478 });
    assert.deepEqual(parseAdvertised('[2001:db8::7]:443'), { ip: '2001:db8::7', port: 443 });
    for (const bad of ['', '198.51.100.7', '198.51.100.7:0', '198.51.100.7:70000', '2001:db8::7:3478', undefined]) assert.equal(parseAdvertised(bad), undefined, String(bad));
  });
});

describe('300 Try Alternate from a loaded fleet member (the core)', () => {
  const allocate = (b: TurnHarness, transport?: FakeTransport) =>
    b.client(transport === undefined ? {} : { transport }).request(Method.Allocate, [{ type: Attr.RequestedTransport, value: UDP }], { sign: false })!;

  it('serves Allocates until the threshold, then answers 300 with the target, unsigned, allocating nothing', () => {
    const fleetRedirect = new FleetRedirect({ threshold: 2, margin: 1 });
    fleetRedirect.setTargets([target('b', 0, 12)]);
    const b = new TurnHarness({ fleetRedirect });
    b.client().allocateOk();
    b.client().allocateOk();
    const answer = allocate(b);
    assert.equal(errorCode(answer), 300);
    assert.deepEqual(getAttribute(answer, Attr.AlternateServer), { family: 'IPv4', address: '192.0.2.12', port: 3478 });
    assert.equal(answer.integrityOffset, -1);
    assert.equal(b.core.allocationCount, 2);
    // B now counts as holding 1 (1 + 1 ≤ 2): another one.
    assert.equal(errorCode(allocate(b)), 300);
    // B counts 2: the Allocate is served here.
    b.client().allocateOk();
    assert.equal(b.core.allocationCount, 3);
  });

  it('a configured alternate-server rotation comes first', () => {
    const fleetRedirect = new FleetRedirect({ threshold: 1, margin: 1 });
    fleetRedirect.setTargets([target('b', 0, 12)]);
    const A = { ip: '192.0.2.50', port: 3478 };
    const b = new TurnHarness({ fleetRedirect, alternates: new AlternateServers({ plain: [A], tls: [], aux: [], udpSelfBalance: false }) });
    const listed = new FakeTransport('udp');
    Object.assign(listed, { localIp: A.ip, localPort: A.port });
    b.client({ transport: listed }).allocateOk();
    assert.deepEqual(getAttribute(allocate(b), Attr.AlternateServer)?.address, A.ip);
    assert.equal(getAttribute(allocate(b, listed), Attr.AlternateServer)?.address, '192.0.2.12', 'on a listed address, the fleet decides');
  });
});
