/**
 * The admin API's user-database routes: long-term users, REST API secrets and realm options,
 * listed, added and deleted through the configured `UserDatabase`, written exactly as
 * `turnpike turnadmin` writes them (its helpers are reused). Every route answers 409
 * `no_database` when no user database is configured.
 */
import type http from 'node:http';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { readJsonBody, sendJson } from '../http/responses.ts';
import type { WebServer } from '../http/server.ts';
import type { RealmOptionName, UserDatabase } from '../db/types.ts';
import { readCredentials, readRealmOptions, storedUserKey } from '../cli/turnadmin-commands.ts';
import type { ValueId } from '../cli/turnadmin-args.ts';
import type { Principal } from './admin-auth.ts';
import { API, adminError, field, guarded, scopeRealm, type AdminContext, type AdminHandler } from './api-common.ts';

const REALM_OPTIONS: readonly RealmOptionName[] = ['max-bps', 'total-quota', 'user-quota'];

type DbHandler = (db: UserDatabase, req: http.IncomingMessage, res: http.ServerResponse, url: URL, who: Principal) => Promise<void>;

/** Mounts the routes of this module on `web`. */
export function registerDatabaseRoutes(web: WebServer, ctx: AdminContext): void {
  const withDb = (handler: DbHandler): AdminHandler => async (req, res, url, who) => {
    const db = ctx.server.db;
    if (!db) {
      adminError(res, 409, 'no_database', 'no user database configured (userdb, psql-userdb, mysql-userdb or redis-userdb)');
      return;
    }
    try {
      await handler(db, req, res, url, who);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const usage = err instanceof TurnpikeError && err.code === ErrorCode.USAGE;
      if (!usage) ctx.log.error('admin.database_failed', { path: url.pathname, reason: message });
      adminError(res, usage ? 400 : 502, usage ? 'bad_request' : 'database_error', message);
    }
  };
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: DbHandler): void =>
    web.route(method, `${API}${path}`, guarded(ctx, withDb(handler)));

  /** The realm of a read: the query's, kept to the admin's own. */
  const readRealm = (res: http.ServerResponse, who: Principal, requested: string | undefined): { realm: string | undefined } | undefined => {
    const scope = scopeRealm(who, requested);
    if (scope.ok) return { realm: scope.realm };
    adminError(res, 403, 'forbidden', scope.message);
    return undefined;
  };
  /** The realm of a write: required, defaulting to the server's `realm`, kept to the admin's own. */
  const writeRealm = (res: http.ServerResponse, who: Principal, requested: string | undefined): string | undefined => {
    const scope = scopeRealm(who, requested === undefined || requested === '' ? (who.realm || ctx.config.realm) : requested);
    if (!scope.ok) {
      adminError(res, 403, 'forbidden', scope.message);
      return undefined;
    }
    if (scope.realm === undefined || scope.realm === '') {
      adminError(res, 400, 'bad_request', 'say which realm (the server has no default realm)');
      return undefined;
    }
    return scope.realm;
  };
  const body = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> => {
    const b = await readJsonBody(req, 16384);
    if (b.ok) return b.value;
    adminError(res, b.status, b.code, b.message);
    return undefined;
  };
  const log = (who: Principal, event: string, fields: Record<string, unknown>): void =>
    ctx.log.info(event, { by: who.name, ...fields });

  // Long-term users (RFC 8489 §9.2.2). Keys never leave the server.
  route('GET', '/users', async (db, _req, res, url, who) => {
    const scope = readRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (!scope) return;
    const users = (await db.listUsers(scope.realm)).map((u) => ({ name: u.name, realm: u.realm }));
    sendJson(res, 200, { users });
  });
  route('POST', '/users', async (db, req, res, _url, who) => {
    const value = await body(req, res);
    if (value === undefined) return;
    const realm = writeRealm(res, who, field(value, 'realm'));
    if (realm === undefined) return;
    const creds = readCredentials(new Map<ValueId, string>([['user', field(value, 'name') ?? ''], ['realm', realm], ['password', field(value, 'password') ?? '']]));
    if (creds.user === '' || creds.password === '') {
      adminError(res, 400, 'bad_request', 'a user needs a name and a password');
      return;
    }
    await db.setUserKey(creds.realm, creds.user, storedUserKey(creds));
    log(who, 'admin.user_set', { user: creds.user, realm: creds.realm });
    sendJson(res, 201, { name: creds.user, realm: creds.realm });
  });
  route('DELETE', '/users', async (db, _req, res, url, who) => {
    const realm = writeRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (realm === undefined) return;
    const name = url.searchParams.get('name') ?? '';
    if (!(await db.deleteUser(realm, name))) {
      adminError(res, 404, 'not_found', `no user '${name}' in realm '${realm}'`);
      return;
    }
    log(who, 'admin.user_deleted', { user: name, realm });
    sendJson(res, 200, { deleted: { name, realm } });
  });

  // TURN REST API shared secrets (`turn_secret`).
  route('GET', '/secrets', async (db, _req, res, url, who) => {
    const scope = readRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (!scope) return;
    sendJson(res, 200, { secrets: await db.listSecrets(scope.realm) });
  });
  route('POST', '/secrets', async (db, req, res, _url, who) => {
    const value = await body(req, res);
    if (value === undefined) return;
    const realm = writeRealm(res, who, field(value, 'realm'));
    if (realm === undefined) return;
    const secret = field(value, 'value') ?? '';
    if (secret === '' || /[\u0000-\u001f\u007f]/.test(secret)) {
      adminError(res, 400, 'bad_request', 'a secret needs a value without control characters');
      return;
    }
    // As turnadmin -s: delete first, so adding one twice leaves one.
    await db.deleteSecret(realm, secret);
    await db.addSecret(realm, secret);
    log(who, 'admin.secret_added', { realm });
    sendJson(res, 201, { realm });
  });
  route('DELETE', '/secrets', async (db, _req, res, url, who) => {
    const realm = writeRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (realm === undefined) return;
    const secret = url.searchParams.get('value') ?? '';
    if (!(await db.deleteSecret(realm, secret))) {
      adminError(res, 404, 'not_found', `no such secret in realm '${realm}'`);
      return;
    }
    log(who, 'admin.secret_deleted', { realm });
    sendJson(res, 200, { deleted: { realm } });
  });

  // Realm options (`turn_realm_option`): max-bps, total-quota, user-quota; 0 deletes.
  route('GET', '/realm-options', async (db, _req, res, url, who) => {
    const scope = readRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (!scope) return;
    sendJson(res, 200, { options: await db.listRealmOptions(scope.realm) });
  });
  route('PUT', '/realm-options', async (db, req, res, _url, who) => {
    const value = await body(req, res);
    if (value === undefined) return;
    const realm = writeRealm(res, who, field(value, 'realm'));
    if (realm === undefined) return;
    const option = field(value, 'option') as RealmOptionName | undefined;
    if (option === undefined || !REALM_OPTIONS.includes(option)) {
      adminError(res, 400, 'bad_request', `option must be one of ${REALM_OPTIONS.join(', ')}`);
      return;
    }
    const [parsed] = readRealmOptions(new Map<ValueId, string>([[option, field(value, 'value') ?? '']]));
    await db.setRealmOption(realm, parsed.option, parsed.value);
    log(who, 'admin.realm_option_set', { realm, option, value: parsed.value });
    sendJson(res, 200, { realm, option, value: parsed.value });
  });
  route('DELETE', '/realm-options', async (db, _req, res, url, who) => {
    const realm = writeRealm(res, who, url.searchParams.get('realm') ?? undefined);
    if (realm === undefined) return;
    const option = (url.searchParams.get('option') ?? '') as RealmOptionName;
    if (!REALM_OPTIONS.includes(option)) {
      adminError(res, 400, 'bad_request', `option must be one of ${REALM_OPTIONS.join(', ')}`);
      return;
    }
    await db.setRealmOption(realm, option, 0);
    log(who, 'admin.realm_option_deleted', { realm, option });
    sendJson(res, 200, { deleted: { realm, option } });
  });
}
