/**
 * The admin API's routes about the running server: login and logout, who am I, live
 * sessions (list and kill), recent authentication failures, the masked configuration.
 */
import { readJsonBody, sendJson } from '../http/responses.ts';
import type { WebServer } from '../http/server.ts';
import { SOFTWARE } from '../server/turn-server.ts';
import { CSRF_HEADER } from './admin-auth.ts';
import { API, adminError, clientOf, guarded, scopeRealm, type AdminContext } from './api-common.ts';
import { maskedConfig } from './config-view.ts';

/** Mounts the routes of this module on `web`. */
export function registerLiveRoutes(web: WebServer, ctx: AdminContext): void {
  web.route('POST', `${API}/login`, async (req, res) => {
    const client = clientOf(req);
    const retry = ctx.auth.limited(client);
    if (retry !== undefined) {
      adminError(res, 429, 'too_many_requests', `too many failed logins from ${client}; try again in ${retry} s`, { 'Retry-After': String(retry) });
      return;
    }
    if (typeof req.headers[CSRF_HEADER] !== 'string') {
      adminError(res, 403, 'forbidden', `log in with the ${CSRF_HEADER} header set (the admin page sends it)`);
      return;
    }
    const body = await readJsonBody(req, 4096);
    if (!body.ok) {
      adminError(res, body.status, body.code, body.message);
      return;
    }
    const value = (typeof body.value === 'object' && body.value !== null ? body.value : {}) as Record<string, unknown>;
    const who = await ctx.auth.login(client, value);
    if (!who) {
      ctx.log.warn('admin.login_failed', { client, user: typeof value.user === 'string' ? value.user : 'api-key' });
      adminError(res, 401, 'unauthorized', 'wrong user name, password or api key');
      return;
    }
    ctx.log.info('admin.login', { client, user: who.name, realm: who.realm });
    sendJson(res, 200, { user: who.name, realm: who.realm, via: who.via }, { 'Set-Cookie': ctx.auth.startSession(who) });
  });

  web.route('POST', `${API}/logout`, (req, res) => {
    sendJson(res, 200, { loggedOut: true }, { 'Set-Cookie': ctx.auth.endSession(req) });
  });

  web.route('GET', `${API}/me`, guarded(ctx, (_req, res, _url, who) => {
    sendJson(res, 200, {
      user: who.name, realm: who.realm, via: who.via,
      server: {
        software: SOFTWARE, realm: ctx.config.realm,
        listeners: ctx.server.listeners.map((l) => `${l.protocol} ${l.ip.includes(':') ? `[${l.ip}]` : l.ip}:${l.port}`),
        dataPlane: ctx.server.plane.kind,
      },
      database: ctx.server.db ? { kind: ctx.server.db.kind, description: ctx.server.db.description } : null,
      // `fleet-redis` or `redis-statsdb`: the page shows its Fleet view (GET /fleet).
      fleet: ctx.server.fleet ? { member: ctx.server.fleet.memberName ?? null } : null,
    });
  }));

  web.route('GET', `${API}/sessions`, guarded(ctx, (_req, res, url, who) => {
    const scope = scopeRealm(who, url.searchParams.get('realm') ?? undefined);
    if (!scope.ok) {
      adminError(res, 403, 'forbidden', scope.message);
      return;
    }
    const now = ctx.now();
    const user = url.searchParams.get('user') ?? '';
    const all = ctx.sampler.view(ctx.server.core.allocations(), now);
    const inScope = who.realm === '' ? all : all.filter((s) => s.realm === who.realm);
    const sessions = inScope.filter((s) => (scope.realm === undefined || s.realm === scope.realm)
      && (user === '' || s.user.toLowerCase().includes(user.toLowerCase())));
    const sum = (f: (s: (typeof sessions)[number]) => number): number => sessions.reduce((n, s) => n + f(s), 0);
    sendJson(res, 200, {
      now,
      total: inScope.length,
      matching: sessions.length,
      rate: {
        toPeerBps: sum((s) => s.rate.toPeerBps), fromPeerBps: sum((s) => s.rate.fromPeerBps),
        toPeerPps: sum((s) => s.rate.toPeerPps), fromPeerPps: sum((s) => s.rate.fromPeerPps),
      },
      sessions,
    });
  }));

  web.route('DELETE', `${API}/sessions/*`, guarded(ctx, (_req, res, url, who) => {
    const text = url.pathname.slice(`${API}/sessions/`.length);
    const id = /^\d+$/.test(text) ? Number(text) : NaN;
    const alloc = ctx.server.core.allocations().find((a) => a.id === id && (who.realm === '' || a.realm === who.realm));
    if (!alloc) {
      adminError(res, 404, 'not_found', `no live session ${text}`);
      return;
    }
    ctx.server.core.deleteAllocation(alloc, ctx.now(), 'admin');
    ctx.log.info('admin.session_killed', { by: who.name, id, user: alloc.username, realm: alloc.realm });
    sendJson(res, 200, { killed: id, user: alloc.username, realm: alloc.realm });
  }));

  web.route('GET', `${API}/auth-failures`, guarded(ctx, (_req, res, _url, who) => {
    const failures = ctx.failures.list(who.realm === '' ? undefined : who.realm);
    sendJson(res, 200, { now: ctx.now(), total: who.realm === '' ? ctx.failures.total : failures.length, failures });
  }));

  web.route('GET', `${API}/config`, guarded(ctx, (_req, res, _url, who) => {
    if (who.realm !== '') {
      adminError(res, 403, 'forbidden', `the server configuration is for admins of every realm; '${who.name}' manages '${who.realm}' only`);
      return;
    }
    sendJson(res, 200, { sources: ctx.config.sources, config: maskedConfig(ctx.config) });
  }));
}
