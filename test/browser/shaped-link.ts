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
import { CHROMIUM_PATH as CHROMIUM } from '../helpers/chromium.ts';
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

