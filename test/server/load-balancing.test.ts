/**
 * From options to rotations: `alternate-server` and friends without a port get the listening
 * port of their kind, the aux servers join a rotation only under `udp-self-balance`, and a
 * server with none of them redirects nothing (no rotations, no health checker).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/defaults.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { alternateServersFrom, auxAddresses, startAlternateHealth } from '../../src/server/load-balancing.ts';

describe('load-balancing wiring', () => {
  it('no alternate, tls-alternate or aux list in use: nothing is redirected, nothing is probed', () => {
    const config = defaultConfig();
    config.auxServers = [{ ip: '192.0.2.5', port: 0 }];
    assert.equal(alternateServersFrom(config), undefined);
    assert.equal(startAlternateHealth(undefined, config, silentLogger), undefined);
  });

  it('a missing port is listening-port (tls-listening-port for tls-alternate-server)', () => {
    const config = { ...defaultConfig(), listeningPort: 3500, tlsListeningPort: 5400 };
    config.alternateServers = [{ ip: '192.0.2.5', port: 0 }, { ip: '192.0.2.6', port: 3999 }];
    config.tlsAlternateServers = [{ ip: '192.0.2.7', port: 0 }];
    config.auxServers = [{ ip: '192.0.2.8', port: 0 }];
    assert.deepEqual(auxAddresses(config), [{ ip: '192.0.2.8', port: 3500 }]);
    const alt = alternateServersFrom(config)!;
    assert.deepEqual(alt.servers().map((s) => `${s.ip}:${s.port}`), ['192.0.2.5:3500', '192.0.2.6:3999', '192.0.2.7:5400']);
    assert.deepEqual(alt.redirect('tls', '192.0.2.1', 5400), { ip: '192.0.2.7', port: 5400 });
  });

  it('udp-self-balance puts the aux servers in the UDP rotation', () => {
    const config = defaultConfig();
    config.auxServers = [{ ip: '192.0.2.8', port: 4000 }];
    config.udpSelfBalance = true;
    const alt = alternateServersFrom(config)!;
    assert.deepEqual(alt.redirect('udp', '192.0.2.1', config.listeningPort), { ip: '192.0.2.8', port: 4000 });
    assert.equal(alt.redirect('tcp', '192.0.2.1', config.listeningPort), undefined);
  });

  it('the health checker probes TLS alternates over TCP and the others over UDP, and reports into the rotation', async () => {
    const config = defaultConfig();
    config.alternateServers = [{ ip: '192.0.2.5', port: 3478 }];
    config.tlsAlternateServers = [{ ip: '192.0.2.7', port: 5349 }];
    const alt = alternateServersFrom(config)!;
    const probed: string[] = [];
    const health = startAlternateHealth(alt, config, silentLogger, {
      failuresToDown: 1,
      probe: async (t) => {
        probed.push(`${t.ip} ${t.probe}`);
        return t.probe === 'tcp';
      },
    })!;
    await health.round();
    health.stop();
    assert.deepEqual([...new Set(probed)].sort(), ['192.0.2.5 udp', '192.0.2.7 tcp']);
    assert.deepEqual(alt.servers().map((s) => s.up), [false, true]);
  });
});
