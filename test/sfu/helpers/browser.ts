/**
 * Headless Debian Chromium for the SFU's browser tests (playwright-core), and an SFU server on
 * loopback to point it at.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { defaultSfuConfig, withOverrides } from '../../../src/sfu/config.ts';
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

/** The standalone SFU server on 127.0.0.1, ICE bound to loopback only. */
export function startLoopbackSfu(): Promise<SfuServer> {
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: '127.0.0.1' } });
  return startSfuServer({ config, host: '127.0.0.1', port: 0 });
}
