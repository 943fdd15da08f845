/**
 * Headless Debian Chromium for WebRTC tests, through playwright-core. Each launch gets a new
 * empty profile and loopback-friendly flags: ICE may use 127.0.0.1, the fake camera and
 * microphone stand in for real devices, and the permission prompt is pre-answered.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Undefined when Chromium is installed; otherwise why browser tests skip (for `{ skip }`). */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `${CHROMIUM_PATH} is missing: install Debian's chromium package to run the browser tests`;

/** The flags every test browser runs with. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/**
 * Launches headless Chromium. Playwright gives every launch a new, empty user data dir and
 * deletes it on `browser.close()`. Callers must close the browser they launch.
 */
export async function launchChromium(): Promise<Browser> {
  if (chromiumMissing) throw new Error(chromiumMissing);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
