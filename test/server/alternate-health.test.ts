/**
 * The alternate servers' health checker: rounds driven by the test (injected scheduler and
 * probe), a server down only after `failuresToDown` failed probes in a row and back after one
 * answer, reports only on changes; and the real probes — a STUN Binding over UDP answered by a
 * live socket, unanswered by a closed port, and a TCP connect for TLS alternates.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { AlternateHealth, probeTarget, type HealthTarget } from '../../src/server/alternate-health.ts';
import { decodeMessage, encodeMessage } from '../../src/stun/index.ts';
import { MessageClass, Method } from '../../src/stun/types.ts';

const A: HealthTarget = { ip: '192.0.2.21', port: 3478, probe: 'udp' };
const B: HealthTarget = { ip: '192.0.2.22', port: 3478, probe: 'udp' };

/** A checker whose probe answers from `alive` and whose scheduler the test holds. */
function bench(failuresToDown = 2) {
  const alive = new Map<string, boolean>([[A.ip, true], [B.ip, true]]);
  const reports: string[] = [];
  let tick: (() => void) | undefined;
  let stopped = false;
  const health = new AlternateHealth({
    targets: [A, B],
    intervalMs: 5000,
    failuresToDown,
    probe: async (t) => alive.get(t.ip) ?? false,
    every: (ms, fn) => {
      assert.equal(ms, 5000);
      tick = fn;
      return () => (stopped = true);
    },
    report: (t, up) => reports.push(`${t.ip} ${up ? 'up' : 'down'}`),
  });
  return { health, alive, reports, tick: () => tick?.(), stopped: () => stopped };
}

describe('AlternateHealth', () => {
  it('down after two failed rounds in a row, up again after one answer; only changes are reported', async () => {
    const { health, alive, reports } = bench();
    await health.round();
    assert.deepEqual(reports, []);
    alive.set(A.ip, false);
    await health.round();
    assert.deepEqual(reports, [], 'one lost probe is not an outage');
    await health.round();
    assert.deepEqual(reports, ['192.0.2.21 down']);
    await health.round();
    assert.deepEqual(health.states(), [false, true]);
    alive.set(A.ip, true);
    await health.round();
    assert.deepEqual(reports, ['192.0.2.21 down', '192.0.2.21 up']);
  });

  it('a failure between answers starts the count again', async () => {
    const { health, alive, reports } = bench(2);
    for (const up of [false, true, false, true]) {
      alive.set(B.ip, up);
      await health.round();
    }
    assert.deepEqual(reports, []);
  });

  it('start() runs a round at once and one per scheduled tick; stop() cancels the schedule', async () => {
    const { health, alive, reports, tick, stopped } = bench(1);
    alive.set(A.ip, false);
    health.start();
    await health.round(); // joins the round start() began
    assert.deepEqual(reports, ['192.0.2.21 down']);
    alive.set(A.ip, true);
    tick();
    await health.round();
    assert.deepEqual(reports, ['192.0.2.21 down', '192.0.2.21 up']);
    health.stop();
    assert.ok(stopped());
  });

  it('a probe that throws counts as a failure', async () => {
    const reports: boolean[] = [];
    const health = new AlternateHealth({ targets: [A], failuresToDown: 1, probe: () => Promise.reject(new Error('boom')), report: (_t, up) => reports.push(up) });
    await health.round();
    assert.deepEqual(reports, [false]);
  });
});

describe('the real probes', () => {
  it('UDP: a server answering Binding is up; a closed port is not', async () => {
    const server: Socket = createSocket('udp4');
    server.on('message', (msg, from) => {
      const d = decodeMessage(msg);
      if (!d.ok) return;
      server.send(encodeMessage({ method: Method.Binding, class: MessageClass.SuccessResponse, transactionId: d.value.transactionId, attributes: [] }), from.port, from.address);
    });
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const port = server.address().port;
    try {
      assert.equal(await probeTarget({ ip: '127.0.0.1', port, probe: 'udp' }, 2000), true);
    } finally {
      server.close();
    }
    assert.equal(await probeTarget({ ip: '127.0.0.1', port, probe: 'udp' }, 200), false);
  });

  it('TCP: a listening port is up; a closed one is not', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    assert.equal(await probeTarget({ ip: '127.0.0.1', port, probe: 'tcp' }, 2000), true);
    await new Promise<void>((r) => server.close(() => r()));
    assert.equal(await probeTarget({ ip: '127.0.0.1', port, probe: 'tcp' }, 2000), false);
  });
});
