/**
 * Who may use the admin page and API: an `admin_user` of the user database (coturn's `$5$`
 * hash, `turnadmin -A`) logging in for a session cookie, or a request carrying an `api-key`
 * (`Authorization: Bearer`, RFC 6750 §2.1). An admin user with a realm sees and manages only
 * that realm; the empty realm and api keys see everything.
 *
 * CSRF: the cookie is `SameSite=Strict` and `HttpOnly`, and every cookie-authenticated API
 * request must also carry the `X-Turnpike-Admin` header, which a cross-site form cannot send
 * and a cross-site script cannot add without a CORS preflight this server never grants.
 * Failed logins and wrong keys are rate limited per client address.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { verifyAdminPassword } from '../auth/admin-password.ts';
import type { UserDatabase } from '../db/types.ts';
import { apiKeyMatches, presentedApiKey } from '../http/api-key.ts';

/** The header every cookie-authenticated request must carry (any non-empty value). */
export const CSRF_HEADER = 'x-turnpike-admin';
/** The session cookie's name. */
export const SESSION_COOKIE = 'turnpike_admin';
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 8 * 3600_000;
/** Failed attempts a client address may make per window before it is refused with 429. */
export const LOGIN_FAILURES_ALLOWED = 10;
export const LOGIN_WINDOW_MS = 60_000;

const MAX_SESSIONS = 1000;
const MAX_TRACKED_CLIENTS = 10_000;
/** verified against when the user does not exist, so both cases take the same time */
const DUMMY_HASH = '$5$0000000000000000$0000000000000000000000000000000000000000000000000000000000000000';

/** An authenticated caller. */
export interface Principal {
  /** the admin user's name, or "api-key" */
  name: string;
  /** the realm it may see; '' = every realm */
  realm: string;
  via: 'password' | 'api-key';
}

/** What checking a request gave. */
export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401 | 403 | 429; message: string; retryAfterSeconds?: number };

interface Session {
  principal: Principal;
  lastUsed: number;
}

/** Sessions, login checks and the failure limiter of one admin server. */
export class AdminAuth {
  readonly #sessions = new Map<string, Session>();
  readonly #failures = new Map<string, number[]>();
  readonly #db: UserDatabase | undefined;
  readonly #apiKeys: readonly string[];
  readonly #secure: boolean;
  readonly #now: () => number;

  constructor(opts: { db: UserDatabase | undefined; apiKeys: readonly string[]; secure: boolean; now?: () => number }) {
    this.#db = opts.db;
    this.#apiKeys = opts.apiKeys;
    this.#secure = opts.secure;
    this.#now = opts.now ?? Date.now;
  }

  /** Whether `client` has used up its failed attempts; the seconds until it may try again. */
  limited(client: string): number | undefined {
    const now = this.#now();
    const list = (this.#failures.get(client) ?? []).filter((t) => t > now - LOGIN_WINDOW_MS);
    if (list.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, list);
    if (list.length < LOGIN_FAILURES_ALLOWED) return undefined;
    return Math.max(1, Math.ceil((list[0] + LOGIN_WINDOW_MS - now) / 1000));
  }

  #failed(client: string): void {
    if (!this.#failures.has(client) && this.#failures.size >= MAX_TRACKED_CLIENTS) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
    const list = this.#failures.get(client) ?? [];
    list.push(this.#now());
    this.#failures.set(client, list);
  }

  /**
   * Checks a user name and password, or an api key, for the login form. Resolves to the
   * principal, or undefined (after counting the failure) when they do not match.
   */
  async login(client: string, body: { user?: unknown; password?: unknown; apiKey?: unknown }): Promise<Principal | undefined> {
    let principal: Principal | undefined;
    if (typeof body.apiKey === 'string' && body.apiKey !== '') {
      if (apiKeyMatches(body.apiKey, this.#apiKeys)) principal = { name: 'api-key', realm: '', via: 'api-key' };
    } else if (typeof body.user === 'string' && typeof body.password === 'string' && body.user !== '') {
      const admin = this.#db ? await this.#db.adminUser(body.user) : undefined;
      const ok = verifyAdminPassword(admin?.password ?? DUMMY_HASH, body.password);
      if (admin && ok) principal = { name: admin.name, realm: admin.realm, via: 'password' };
    }
    if (!principal) this.#failed(client);
    return principal;
  }

  /** Starts a session for `principal`; the Set-Cookie header value to send. */
  startSession(principal: Principal): string {
    this.#sweep();
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.#sessions.set(token, { principal, lastUsed: this.#now() });
    return this.#cookie(token, Math.floor(SESSION_IDLE_MS / 1000));
  }

  /** Ends the request's session; the Set-Cookie header value that clears the cookie. */
  endSession(req: http.IncomingMessage): string {
    const token = sessionToken(req);
    if (token !== undefined) this.#sessions.delete(token);
    return this.#cookie('', 0);
  }

  #cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.#secure ? '; Secure' : ''}`;
  }

  #sweep(): void {
    const cutoff = this.#now() - SESSION_IDLE_MS;
    for (const [token, s] of this.#sessions) if (s.lastUsed < cutoff) this.#sessions.delete(token);
  }

  /** Who an API request comes from: an api key in a header, or a session cookie plus the CSRF header. */
  authenticate(req: http.IncomingMessage, url: URL, client: string): AuthResult {
    const retry = this.limited(client);
    const key = presentedApiKey(req, url);
    if (key !== undefined) {
      if (retry !== undefined) return { ok: false, status: 429, message: 'too many failed attempts; wait and try again', retryAfterSeconds: retry };
      if (apiKeyMatches(key, this.#apiKeys)) return { ok: true, principal: { name: 'api-key', realm: '', via: 'api-key' } };
      this.#failed(client);
      return { ok: false, status: 401, message: 'the api key is not one of this server\'s api-key values' };
    }
    const token = sessionToken(req);
    const session = token === undefined ? undefined : this.#sessions.get(token);
    if (!session || session.lastUsed < this.#now() - SESSION_IDLE_MS) {
      if (token !== undefined) this.#sessions.delete(token);
      return { ok: false, status: 401, message: 'log in first (POST /api/admin/login), or send Authorization: Bearer <api-key>' };
    }
    const csrf = req.headers[CSRF_HEADER];
    if (typeof csrf !== 'string' || csrf === '') {
      return { ok: false, status: 403, message: `a session cookie must come with the ${CSRF_HEADER} header` };
    }
    session.lastUsed = this.#now();
    return { ok: true, principal: session.principal };
  }
}

/** The session token of the request's cookie, if any. */
function sessionToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}
