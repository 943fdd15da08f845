/**
 * The admin API's fleet view (`fleet-redis`): every member with its load and health, every
 * session the members publish in `redis-statsdb`, and killing a session on whichever member
 * owns it (a command on that member's Redis channel, src/fleet/commands.ts). With
 * `redis-statsdb` alone the sessions are listed, but there are no members to kill them. A
 * realm-scoped admin sees and kills the sessions of its realm only.
 */
import { sendJson } from '../http/responses.ts';
import type { WebServer } from '../http/server.ts';
import { API, adminError, guarded, type AdminContext } from './api-common.ts';

/** Mounts the fleet routes on `web`. */
export function registerFleetRoutes(web: WebServer, ctx: AdminContext): void {
  web.route('GET', `${API}/fleet`, guarded(ctx, async (_req, res, _url, who) => {
    const fleet = ctx.server.fleet;
    if (fleet === undefined) {
      adminError(res, 404, 'no_fleet', 'this server is not a fleet member: set fleet-redis (or redis-statsdb for its sessions)');
      return;
    }
    let view;
    try {
      view = await fleet.view();
    } catch (e) {
      adminError(res, 503, 'fleet_unavailable', `fleet-redis: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const sessions = view?.sessions ?? null;
    sendJson(res, 200, {
      now: ctx.now(),
      // null with `redis-statsdb` alone: sessions are listed, members and kills need `fleet-redis`
      self: fleet.memberName ?? null,
      members: view?.members ?? [],
      sessions: sessions === null ? null : sessions.filter((s) => who.realm === '' || s.realm === who.realm),
    });
  }));

  web.route('DELETE', `${API}/fleet/sessions/*`, guarded(ctx, async (_req, res, url, who) => {
    const fleet = ctx.server.fleet;
    const id = url.pathname.slice(`${API}/fleet/sessions/`.length);
    if (fleet?.memberName === undefined) {
      adminError(res, 404, 'no_fleet', 'this server is not a fleet member: set fleet-redis');
      return;
    }
    if (who.realm !== '') {
      // A realm admin may kill only what the statsdb lists in its realm.
      const view = await fleet.view().catch(() => undefined);
      const session = view?.sessions?.find((s) => s.id === id);
      if (session === undefined || session.realm !== who.realm) {
        adminError(res, 404, 'not_found', `no live session ${id} in realm '${who.realm}'`);
        return;
      }
    }
    let outcome;
    try {
      outcome = await fleet.kill(id, who.name);
    } catch (e) {
      adminError(res, 503, 'fleet_unavailable', `fleet-redis: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!outcome.ok) {
      const status = outcome.why === 'bad-id' ? 400 : outcome.why === 'not-listening' ? 503 : 404;
      adminError(res, status, outcome.why === 'bad-id' ? 'bad_request' : 'not_found', `session ${id}: ${outcome.why}`);
      return;
    }
    ctx.log.info('admin.fleet_session_killed', { by: who.name, id, member: outcome.member });
    sendJson(res, 202, { killing: id, member: outcome.member, localId: outcome.localId });
  }));
}
