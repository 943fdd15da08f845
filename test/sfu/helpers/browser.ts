/**
 * Headless Debian Chromium for the SFU's browser tests (playwright-core), and an SFU server on
 * loopback to point it at.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defaultSfuConfig, withOverrides } from '../../../src/sfu/config.ts';
import type { SfuConfigOverrides } from '../../../src/sfu/config-types.ts';
import { startSfuServer, type SfuServer } from '../../../src/sfu/http-server.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests skip, or undefined when Chromium is installed. */
export const noChromium: string | undefined = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** A fresh headless Chromium; the caller closes it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** The media path browser tests run on unless they name one (`TURNPIKE_TEST_MEDIAPATH`, default the config's). */
export const testMediaPath: 'native' | 'stack' = process.env.TURNPIKE_TEST_MEDIAPATH === 'native' ? 'native' : process.env.TURNPIKE_TEST_MEDIAPATH === 'stack' ? 'stack' : defaultSfuConfig().webrtc.mediaPath;

/** The standalone SFU server on 127.0.0.1, ICE bound to loopback only, on either media path. */
export function startLoopbackSfu(mediaPath: 'native' | 'stack' = testMediaPath, router: SfuConfigOverrides['router'] = {}): Promise<SfuServer> {
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1', mediaPath }, router });
  return startSfuServer({ config, host: '127.0.0.1', port: 0 });
}

/**
 * Polls an (async) function in the page until it returns something truthy. Playwright's
 * waitForFunction treats a returned Promise as truthy, so async checks go through here.
 */
export async function waitInPage<A>(page: Page, fn: (arg: A) => unknown, arg: A, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(fn as never, arg as never)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
