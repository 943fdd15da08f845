/**
 * What the admin API's route handlers share: the JSON error shape of the rest of Turnpike's
 * HTTP API (`{ error: { code, message } }`), authentication in front of every route, and the
 * realm a realm-scoped admin is kept to.
 */
import type http from 'node:http';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import { sendJson } from '../http/responses.ts';
import type { Handler } from '../http/server.ts';
import type { AdminAuth, Principal } from './admin-auth.ts';
import type { AuthFailureRing } from './auth-failures.ts';
import type { SessionSampler } from './sessions-view.ts';

/** Where the admin API lives on the admin server. */
export const API = '/api/admin';

/** Everything the admin routes work with. */
export interface AdminContext {
  config: Config;
  server: RunningTurnServer;
  log: Logger;
  auth: AdminAuth;
  failures: AuthFailureRing;
  sampler: SessionSampler;
  now: () => number;
}

/** A route handler that runs only for an authenticated caller. */
export type AdminHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, who: Principal) => void | Promise<void>;

/** The admin API's error codes, beyond the shared ones of `HttpErrorCode`. */
export type AdminErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'too_many_requests'
  | 'no_database' | 'database_error';

/** Sends `{ error: { code, message } }`. */
export function adminError(res: http.ServerResponse, status: number, code: AdminErrorCode | string, message: string,
  headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** The address a request came from, for the login limiter. */
export const clientOf = (req: http.IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

/** Wraps `handler` so it runs only for a caller `ctx.auth` accepts. */
export function guarded(ctx: AdminContext, handler: AdminHandler): Handler {
  return async (req, res, url) => {
    const result = ctx.auth.authenticate(req, url, clientOf(req));
    if (!result.ok) {
      const code = result.status === 401 ? 'unauthorized' : result.status === 403 ? 'forbidden' : 'too_many_requests';
      adminError(res, result.status, code, result.message,
        result.retryAfterSeconds !== undefined ? { 'Retry-After': String(result.retryAfterSeconds) } : {});
      return;
    }
    await handler(req, res, url, result.principal);
  };
}

/** The realm a request may act on: the admin's own, or what a superuser asked for (undefined: every realm). */
export type RealmScope = { ok: true; realm: string | undefined } | { ok: false; message: string };

/** Keeps a realm-scoped admin to its realm: asking for another one is refused. */
export function scopeRealm(who: Principal, requested: string | undefined): RealmScope {
  if (who.realm === '') return { ok: true, realm: requested === '' ? undefined : requested };
  if (requested !== undefined && requested !== '' && requested !== who.realm) {
    return { ok: false, message: `admin '${who.name}' manages realm '${who.realm}' only, not '${requested}'` };
  }
  return { ok: true, realm: who.realm };
}

/** A non-empty string field of a JSON body, or undefined. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = (body as Record<string, unknown>)[name];
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v : undefined;
}
