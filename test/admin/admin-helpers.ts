/**
 * The admin tests' server: `node bin/turnpike.js turnserver` with an SQLite user database
 * holding admin users (made with `turnpike turnadmin -A`), the admin page on a free port and
 * an api key, started as an operator would start it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { launchTurnServer, runTurnpike, type Launched } from '../../harness/servers.ts';

export const API_KEY = 'test-api-key-1234';

/** A running server with its admin page. */
export interface AdminServer {
  turn: Launched;
  /** the TURN port on 127.0.0.1 */
  port: number;
  /** http://127.0.0.1:PORT */
  admin: string;
  stop(): Promise<void>;
}

/** Admin users to create: name, password and realm ('' = every realm). */
export type AdminUser = [name: string, password: string, realm: string];

/** Starts the server; `extra` adds turnserver options. */
export async function startAdminServer(admins: AdminUser[], extra: string[] = []): Promise<AdminServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-admin-'));
  const db = path.join(dir, 'users.sqlite');
  for (const [name, password, realm] of admins) {
    const r = await runTurnpike(['turnadmin', '-A', '-b', db, '-u', name, '-p', password, ...(realm ? ['-r', realm] : [])]);
    if (r.code !== 0) throw new Error(`turnadmin -A failed: ${r.stdout}${r.stderr}`);
  }
  const port = await freeUdpTcpPort();
  const webPort = await freeTcpPort();
  const { min, max } = await freeRange(50);
  const turn = await launchTurnServer('turnpike', [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${min}`, `--max-port=${max}`, '--allow-loopback-peers', '--rfc5766-channel-numbers',
    '-a', '-r', 'demo', `--userdb=${db}`, '--web-admin', `--web-admin-port=${webPort}`, `--api-key=${API_KEY}`,
    '--log-file=stdout', ...extra,
  ], { port, keep: 50_000 });
  const admin = `http://127.0.0.1:${webPort}`;
  await waitForHttp(admin, turn);
  return {
    turn, port, admin,
    async stop() {
      await turn.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the admin page answers (it starts just after the TURN listeners). */
async function waitForHttp(url: string, turn: Launched): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/api/admin/me`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the admin page never answered at ${url}:\n${turn.output()}`);
}
