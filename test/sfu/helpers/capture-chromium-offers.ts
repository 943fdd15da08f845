/**
 * Saves Chromium's publisher offers as fixtures for test/sfu/native/sdp.test.ts:
 * `node test/sfu/helpers/capture-chromium-offers.ts` writes test/sfu/fixtures/chromium-<name>-offer.sdp.
 * Run it again after a Chromium upgrade to see what changed.
 */
import { writeFileSync } from 'node:fs';
import { launchBrowser } from './browser.ts';
import { makeOffer, OFFER_SCENARIOS } from './chromium-offers.ts';

const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  for (const name of OFFER_SCENARIOS) {
    const sdp = await makeOffer(page, name);
    const file = new URL(`../fixtures/chromium-${name}-offer.sdp`, import.meta.url);
    writeFileSync(file, sdp);
    console.log(`${name}: ${sdp.length} bytes`);
  }
} finally {
  await browser.close();
}
