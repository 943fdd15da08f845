/**
 * A network namespace joined to the root namespace by a veth pair, for browser tests that put a
 * Chromium behind a constrained link (`tc tbf`): `limit` shapes what the root sends into the
 * namespace (a subscriber's downlink), `limitUplink` what the namespace sends out (a
 * publisher's uplink). Needs root (ip netns, tc); `canShape()` says why not otherwise.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { defaultSfuConfig, withOverrides } from '../../src/sfu/config.ts';
import type { SfuConfigOverrides } from '../../src/sfu/config-types.ts';
import { startSfuServer, type SfuServer } from '../../src/sfu/http-server.ts';
import { CHROMIUM_ARGS as ARGS, CHROMIUM_PATH as CHROMIUM } from '../helpers/chromium.ts';
import { noChromium } from '../sfu/helpers/browser.ts';

export function run(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function canShape(): string | undefined {
  if (noChromium) return noChromium;
  if (process.getuid?.() !== 0) return 'needs root for ip netns and tc';
  try {
    run('ip', '-V');
    run('tc', '-V');
  } catch {
    return 'ip or tc is missing (iproute2)';
  }
  return undefined;
}

/** A namespace joined to the root namespace by a veth pair; `shape` limits what the root sends into it. */
export class ShapedLink {
  readonly ns: string;
  readonly rootDev: string;
  readonly rootIp: string;
  readonly dir: string;
  readonly #nsDev: string;

  constructor() {
    const n = process.pid % 250;
    this.ns = `tpbwe${process.pid}`;
    this.rootDev = `tpbw${process.pid}a`.slice(0, 15);
    const nsDev = `tpbw${process.pid}b`.slice(0, 15);
    this.#nsDev = nsDev;
    this.rootIp = `10.201.${n}.1`;
    run('ip', 'netns', 'add', this.ns);
    run('ip', 'link', 'add', this.rootDev, 'type', 'veth', 'peer', 'name', nsDev);
    run('ip', 'link', 'set', nsDev, 'netns', this.ns);
    run('ip', 'addr', 'add', `${this.rootIp}/24`, 'dev', this.rootDev);
    run('ip', 'link', 'set', this.rootDev, 'up');
    run('ip', 'netns', 'exec', this.ns, 'ip', 'addr', 'add', `10.201.${n}.2/24`, 'dev', nsDev);
    run('ip', 'netns', 'exec', this.ns, 'ip', 'link', 'set', nsDev, 'up');
    run('ip', 'netns', 'exec', this.ns, 'ip', 'link', 'set', 'lo', 'up');
    this.dir = mkdtempSync(join(tmpdir(), 'turnpike-bwe-'));
  }

  /** A Chromium launcher that runs inside the namespace (playwright talks to it over a pipe). */
  chromiumWrapper(): string {
    const path = join(this.dir, 'chromium-in-ns');
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${this.ns} ${CHROMIUM} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  limit(rate: string): void {
    run('tc', 'qdisc', 'replace', 'dev', this.rootDev, 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms');
  }

  lift(): void {
    run('tc', 'qdisc', 'del', 'dev', this.rootDev, 'root');
  }

  /** Shapes what the namespace sends (its uplink) to `rate`, with up to 400 ms of queue. */
  limitUplink(rate: string): void {
    run('ip', 'netns', 'exec', this.ns, 'tc', 'qdisc', 'replace', 'dev', this.#nsDev, 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms');
  }

  liftUplink(): void {
    run('ip', 'netns', 'exec', this.ns, 'tc', 'qdisc', 'del', 'dev', this.#nsDev, 'root');
  }

  remove(): void {
    try {
      run('ip', 'netns', 'del', this.ns); // takes the veth pair with it
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}


/** An SFU on the root side of a {@link ShapedLink}, and Chromium launchers for either side. */
export interface ShapedSfu {
  readonly link: ShapedLink;
  readonly server: SfuServer;
  /** A headless Chromium in the root namespace, or (`inNamespace`) behind the link. */
  launch(inNamespace: boolean): Promise<Browser>;
}

/** Sets up a link and an SFU bound to its root address; everything is removed when the test ends. */
export async function sfuOnShapedLink(t: TestContext, mediaPath: 'native' | 'stack', router: SfuConfigOverrides['router'] = {}): Promise<ShapedSfu> {
  const link = new ShapedLink();
  const browsers: Browser[] = [];
  let server: SfuServer | undefined;
  t.after(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    link.remove();
  });
  const config = withOverrides(defaultSfuConfig(), { webrtc: { bindAddress: link.rootIp, mediaPath }, router });
  server = await startSfuServer({ config, host: link.rootIp, port: 0 });
  // The SFU is not on loopback, so the page is not a secure context unless told so (getUserMedia).
  const args = [...ARGS, `--unsafely-treat-insecure-origin-as-secure=${server.url}`];
  const launch = async (inNamespace: boolean): Promise<Browser> => {
    const b = await chromium.launch({ executablePath: inNamespace ? link.chromiumWrapper() : CHROMIUM, headless: true, args });
    browsers.push(b);
    return b;
  };
  return { link, server, launch };
}
