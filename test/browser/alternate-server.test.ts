/**
 * Headless Chromium follows 300 Try Alternate (RFC 8489 §10) for TURN: given only the front
 * server, whose `alternate-server` names two others, it gathers a relay candidate on one of
 * the alternates' relay addresses (each server relays from its own loopback address), and a
 * second peer connection, sent on round-robin, lands on the other alternate. The front
 * allocates nothing. libwebrtc refuses a redirection to a loopback address (its
 * `TurnPort::SetAlternateServer`), so the alternates listen on this host's first non-loopback
 * IPv4 address; without one the test skips.
 */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/types.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';

/** This host's first non-loopback IPv4 address, if any. */
const HOST_IP = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

interface Started {
  server: RunningTurnServer;
  port: number;
  relayIp: string;
  /** its relay port range */
  range: { min: number; max: number };
}

/** A Turnpike listening on `listenIp` and relaying from `relayIp` (user ling:ling1234, realm demo). */
async function start(listenIp: string, relayIp: string, shape: (c: Config) => void = () => {}): Promise<Started> {
  const port = await freeUdpTcpPort();
  const range = await freeRange(20);
  const { config } = loadTurnserverConfig([
    '-n', '-L', listenIp, '-p', String(port), '--relay-ip', relayIp, '--min-port', String(range.min), '--max-port', String(range.max),
    '-a', '-u', 'ling:ling1234', '-r', 'demo',
  ]);
  shape(config);
  const server = await startTurnServer(config, { logger: silentLogger, alternateHealth: { intervalMs: 0 } });
  return { server, port, relayIp, range };
}

/** In the page: the relay candidates a peer connection gathers with `url` as its only ICE server. */
async function relayCandidates(browser: Browser, url: string): Promise<{ address: string; port: number }[]> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (turnUrl) => {
      const pc = new RTCPeerConnection({ iceServers: [{ urls: turnUrl, username: 'ling', credential: 'ling1234' }], iceTransportPolicy: 'relay' });
      const found: { address: string; port: number }[] = [];
      const done = new Promise<void>((resolve) => {
        pc.onicecandidate = (e) => {
          if (e.candidate === null) return resolve();
          if (e.candidate.type === 'relay' && e.candidate.address) found.push({ address: e.candidate.address, port: e.candidate.port ?? 0 });
        };
      });
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      pc.close();
      return found;
    }, url);
  } finally {
    await page.close();
  }
}

const skip = chromiumMissing ?? (HOST_IP === undefined ? 'no non-loopback IPv4 address: Chromium never follows a redirection to loopback' : undefined);

describe('Chromium follows ALTERNATE-SERVER for TURN', { skip }, () => {
  let browser: Browser;
  let a: Started;
  let b: Started;
  let front: Started;

  before(async () => {
    const ip = HOST_IP!;
    a = await start(ip, '127.0.0.2');
    b = await start(ip, '127.0.0.3');
    front = await start('127.0.0.1', '127.0.0.1', (c) => {
      c.alternateServers = [{ ip, port: a.port }, { ip, port: b.port }];
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const s of [front, a, b]) await s?.server.close();
  });

  test('relay candidates on the alternates, one after the other; none on the front', async () => {
    const url = `turn:127.0.0.1:${front.port}?transport=udp`;
    const first = await relayCandidates(browser, url);
    const second = await relayCandidates(browser, url);
    assert.equal(first.length, 1, JSON.stringify(first));
    assert.equal(second.length, 1, JSON.stringify(second));
    assert.deepEqual([first[0].address, second[0].address].sort(), ['127.0.0.2', '127.0.0.3']);
    for (const c of [first[0], second[0]]) {
      const s = c.address === a.relayIp ? a : b;
      assert.ok(c.port >= s.range.min && c.port <= s.range.max, `port ${c.port} is in ${s.relayIp}'s relay range`);
    }
    assert.equal(a.server.core.counters.allocationsCreated, 1);
    assert.equal(b.server.core.counters.allocationsCreated, 1);
    assert.equal(front.server.core.counters.allocationsCreated, 0);
  });
});
