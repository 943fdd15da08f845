// Two Chromium pages that may only use relay candidates (iceTransportPolicy 'relay') call
// each other through the TURN server: fake-camera video must be decoded on the far side
// and a data-channel message must arrive, which proves the relay carries media (RFC 8656 §12).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { coturnAvailable, startTurnServer, type RunningTurnServer, type TurnServerKind } from '../helpers/coturn.ts';
import { createWebServer, type WebServer } from '../../src/http/server.ts';

const BLANK = '<!doctype html><html><head><meta charset="utf-8"><title>call</title></head><body></body></html>';
/** ICE over loopback relays connects in well under a second; this only bounds a broken run. */
const WAIT_MS = 30_000;

function runOptions(kind: TurnServerKind): { skip?: string; todo?: string } {
  if (chromiumMissing) return { skip: chromiumMissing };
  if (kind === 'coturn' && !coturnAvailable) return { skip: 'coturn is not installed: apt-get install coturn' };
  return {};
}

/** Creates the page's relay-only peer connection; the offerer also sends the fake camera and opens a channel. */
async function preparePeer(page: Page, iceServer: RTCIceServer, offerer: boolean): Promise<void> {
  await page.evaluate(async ({ iceServer, offerer }) => {
    const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
    const w = window as unknown as Record<string, unknown>;
    w.pc = pc;
    w.received = new Promise<string>((resolve) => {
      pc.addEventListener('datachannel', (e) => e.channel.addEventListener('message', (m) => resolve(String(m.data))));
    });
    if (offerer) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      const channel = pc.createDataChannel('chat');
      w.opened = new Promise<void>((resolve) => channel.addEventListener('open', () => resolve()));
      w.channel = channel;
    }
  }, { iceServer, offerer });
}

/** Sets the remote description (if any), creates the local one and returns it once gathering is complete. */
async function negotiate(page: Page, remote: RTCSessionDescriptionInit | null): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(async (remote) => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    if (remote) await pc.setRemoteDescription(remote);
    const gathered = new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    });
    await pc.setLocalDescription(remote ? await pc.createAnswer() : await pc.createOffer());
    await gathered;
    const { type, sdp } = pc.localDescription!;
    return { type, sdp };
  }, remote);
}

/** The selected candidate pair's local and remote candidate types (RFC 8445 §8), from getStats. */
async function selectedPairTypes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
    const stats = new Map<string, Record<string, string>>();
    report.forEach((s: Record<string, string>) => stats.set(s.id, s));
    const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport ? stats.get(transport.selectedCandidatePairId) : undefined;
    if (!pair) return [];
    return [stats.get(pair.localCandidateId)?.candidateType ?? '', stats.get(pair.remoteCandidateId)?.candidateType ?? ''];
  });
}

for (const kind of ['coturn', 'turnpike'] as const) {
  describe(`a relay-only call through ${kind}`, runOptions(kind), () => {
    let turn: RunningTurnServer;
    let browser: Browser;
    let web: WebServer;
    let origin: string;
    before(async () => {
      turn = await startTurnServer(kind, {});
      browser = await launchChromium();
      // getUserMedia needs a secure context: a page from 127.0.0.1 is one.
      web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
      web.route('GET', '/call', (_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); res.end(BLANK); });
      origin = (await web.listen()).url;
    });
    after(async () => {
      await browser?.close();
      await web?.close();
      await turn?.stop();
    });

    for (const transport of ['udp', 'tcp'] as const) {
      test(`video frames are decoded and a data-channel message arrives, TURN over ${transport.toUpperCase()}`, async () => {
        const iceServer = { urls: `turn:127.0.0.1:${turn.port}?transport=${transport}`, username: 'user', credential: 'pass' };
        const caller = await browser.newPage();
        const callee = await browser.newPage();
        try {
          await caller.goto(`${origin}/call`);
          await callee.goto(`${origin}/call`);
          await preparePeer(caller, iceServer, true);
          await preparePeer(callee, iceServer, false);
          const offer = await negotiate(caller, null);
          assert.match(offer.sdp ?? '', /typ relay/);
          assert.doesNotMatch(offer.sdp ?? '', /typ (host|srflx)/);
          const answer = await negotiate(callee, offer);
          await caller.evaluate((answer) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(answer), answer);

          await caller.evaluate(async () => {
            const w = window as unknown as { opened: Promise<void>; channel: RTCDataChannel };
            await w.opened;
            w.channel.send('hello through the relay');
          });
          assert.equal(await callee.evaluate(() => (window as unknown as { received: Promise<string> }).received), 'hello through the relay');

          await callee.waitForFunction(async () => {
            const report = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
            let decoded = 0;
            report.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded ?? 0;
            });
            return decoded > 0;
          }, undefined, { timeout: WAIT_MS, polling: 100 });
          assert.deepEqual(await selectedPairTypes(callee), ['relay', 'relay']);
          assert.deepEqual(await selectedPairTypes(caller), ['relay', 'relay']);
        } finally {
          await caller.close();
          await callee.close();
        }
      });
    }
  });
}
