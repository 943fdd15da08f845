/**
 * RFC 8489 §10 / RFC 8656 §7.2: Allocates redirected with 300 Try Alternate, as coturn's
 * `alternate-server`, `tls-alternate-server` and `udp-self-balance` do — which list serves which
 * transport, round-robin order, no redirection from a listed address or across families, the
 * unsigned answer sent before authentication — and, beyond coturn, servers reported down by
 * the health checker left out until they are up again (none up: the Allocate is served here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { AlternateServers, type AlternateLists } from '../../src/turn/alternate-servers.ts';
import { errorCode, FakeTransport, TurnHarness, UDP } from '../helpers/turn-harness.ts';

const A = { ip: '192.0.2.21', port: 3478 };
const B = { ip: '192.0.2.22', port: 3478 };
const T = { ip: '192.0.2.31', port: 5349 };
const V6 = { ip: '2001:db8::21', port: 3478 };

function lists(l: Partial<AlternateLists>): AlternateLists {
  return { plain: [], tls: [], aux: [], udpSelfBalance: false, ...l };
}

describe('AlternateServers: which server an Allocate is sent to', () => {
  it('round-robin over the alternate-server list, skipping other families', () => {
    const alt = new AlternateServers(lists({ plain: [A, V6, B] }));
    const picks = [1, 2, 3, 4].map(() => alt.redirect('udp', '192.0.2.1', 3478)?.ip);
    assert.deepEqual(picks, [A.ip, B.ip, A.ip, B.ip]);
    assert.equal(alt.redirect('udp', '2001:db8::1', 3478)?.ip, V6.ip);
    assert.deepEqual(alt.servers().map((s) => s.redirected), [2, 1, 2]);
  });

  it('UDP and TCP use alternate-server; TLS and DTLS tls-alternate-server, or alternate-server when there is none', () => {
    const both = new AlternateServers(lists({ plain: [A], tls: [T] }));
    assert.deepEqual(both.redirect('udp', '192.0.2.1', 3478), A);
    assert.deepEqual(both.redirect('tcp', '192.0.2.1', 3478), A);
    assert.deepEqual(both.redirect('tls', '192.0.2.1', 5349), T);
    assert.deepEqual(both.redirect('dtls', '192.0.2.1', 5349), T);
    const plainOnly = new AlternateServers(lists({ plain: [A] }));
    assert.deepEqual(plainOnly.redirect('tls', '192.0.2.1', 5349), A);
    const tlsOnly = new AlternateServers(lists({ tls: [T] }));
    assert.equal(tlsOnly.redirect('udp', '192.0.2.1', 3478), undefined);
  });

  it('udp-self-balance: UDP (and DTLS) Allocates go to the aux servers, TCP ones to alternate-server', () => {
    const alt = new AlternateServers(lists({ plain: [A], aux: [B], udpSelfBalance: true }));
    assert.deepEqual(alt.redirect('udp', '192.0.2.1', 3478), B);
    assert.deepEqual(alt.redirect('dtls', '192.0.2.1', 5349), B);
    assert.deepEqual(alt.redirect('tcp', '192.0.2.1', 3478), A);
    // An Allocate that arrived on an aux server is served there.
    assert.equal(alt.redirect('udp', B.ip, B.port), undefined);
  });

  it('udp-alternate-server and tcp-alternate-server come first for their transports (coturn 4.7+)', () => {
    const alt = new AlternateServers(lists({ plain: [A], tls: [T], udp: [B], tcp: [V6], aux: [A], udpSelfBalance: true }));
    assert.deepEqual(alt.redirect('udp', '192.0.2.1', 3478), B);
    assert.deepEqual(alt.redirect('dtls', '192.0.2.1', 5349), B);
    assert.deepEqual(alt.redirect('tcp', '2001:db8::1', 3478), V6);
    assert.deepEqual(alt.redirect('tls', '192.0.2.1', 5349), T);
  });

  it('no redirection for a request that arrived on an address of the list (no circles)', () => {
    const alt = new AlternateServers(lists({ plain: [A, B] }));
    assert.equal(alt.redirect('udp', A.ip, A.port), undefined);
    assert.deepEqual(alt.redirect('udp', A.ip, 3479), A, 'another port of the same IP is another server');
  });

  it('a server reported down leaves the rotation, and comes back when reported up; none up: served here', () => {
    const alt = new AlternateServers(lists({ plain: [A, B] }));
    alt.setUp(A.ip, A.port, false);
    assert.deepEqual([1, 2, 3].map(() => alt.redirect('udp', '192.0.2.1', 3478)?.ip), [B.ip, B.ip, B.ip]);
    alt.setUp(B.ip, B.port, false);
    assert.equal(alt.redirect('udp', '192.0.2.1', 3478), undefined);
    alt.setUp(A.ip, A.port, true);
    assert.deepEqual(alt.redirect('udp', '192.0.2.1', 3478), A);
    assert.deepEqual(alt.servers().map((s) => s.up), [true, false]);
  });
});

describe('300 Try Alternate from the core (RFC 8489 §10)', () => {
  it('answers the first, unauthenticated Allocate with 300 and ALTERNATE-SERVER, unsigned, and makes no allocation', () => {
    const b = new TurnHarness({ alternates: new AlternateServers(lists({ plain: [A, B] })) });
    const c = b.client();
    const first = c.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: UDP }], { sign: false })!;
    assert.equal(errorCode(first), 300);
    assert.deepEqual(getAttribute(first, Attr.AlternateServer), { family: 'IPv4', address: A.ip, port: A.port });
    assert.equal(first.integrityOffset, -1, 'no MESSAGE-INTEGRITY: the client holds no key for this server');
    assert.equal(getAttribute(first, Attr.Nonce), undefined);
    const second = b.client().request(Method.Allocate, [{ type: Attr.RequestedTransport, value: UDP }], { sign: false })!;
    assert.equal(getAttribute(second, Attr.AlternateServer)?.address, B.ip);
    assert.equal(b.core.allocationCount, 0);
  });

  it('other requests are not redirected: a Binding is answered, a Refresh challenged', () => {
    const b = new TurnHarness({ alternates: new AlternateServers(lists({ plain: [A] })) });
    const c = b.client();
    assert.equal(errorCode(c.request(Method.Binding, [], { sign: false })!), 0);
    assert.equal(errorCode(c.request(Method.Refresh, [], { sign: false })!), 401);
  });

  it('with every alternate down the server allocates itself; on a listed address it always does', () => {
    const alternates = new AlternateServers(lists({ plain: [A] }));
    const b = new TurnHarness({ alternates });
    alternates.setUp(A.ip, A.port, false);
    b.client().allocateOk();
    const listed = new FakeTransport('udp');
    Object.assign(listed, { localIp: A.ip, localPort: A.port });
    alternates.setUp(A.ip, A.port, true);
    b.client({ transport: listed }).allocateOk();
    assert.equal(b.core.allocationCount, 2);
  });
});
