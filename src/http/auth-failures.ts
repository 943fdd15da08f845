/**
 * `GET /api/auth-failures`: why this server refused the caller's own TURN credentials in the
 * last ten minutes — the reason in words and a hint, as the log has them — so the trickle-ICE
 * page can say more than the browser's bare "401 Unauthorized". Only failures from the
 * caller's own address: nothing here tells one client about another.
 */
import type { WebServer } from './server.ts';
import { sendJson } from './responses.ts';
import type { RecentAuthFailure } from '../server/auth-failure-log.ts';

export const AUTH_FAILURES_PATH = '/api/auth-failures';
const WINDOW_MS = 10 * 60_000;

/** The source of recent failures (the running TURN server). */
export type RecentFailures = (address: string, sinceMs: number) => RecentAuthFailure[];

/** Registers the route. */
export function registerAuthFailuresRoute(web: WebServer, recent: RecentFailures): void {
  web.route('GET', AUTH_FAILURES_PATH, (req, res) => {
    const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const failures = recent(address, Date.now() - WINDOW_MS).map((f) => ({ time: new Date(f.time).toISOString(), reason: f.reason, user: f.user, why: f.why, hint: f.hint }));
    sendJson(res, 200, { address, failures }, { 'Cache-Control': 'no-store' });
  });
}
