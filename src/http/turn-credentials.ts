/**
 * `GET /api/turn-credentials`: the TURN REST API of draft-uberti-behave-turn-rest-00 §2,
 * which web applications call to get short-lived TURN credentials for a browser. The
 * username is `<unix-expiry><separator><name>` and the password
 * base64(HMAC-SHA1(secret, username)), exactly what coturn's `use-auth-secret` checks.
 */
import { restApiCredentials } from '../auth/rest-api.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { apiKeyMatches, presentedApiKey } from './api-key.ts';
import { HttpErrorCode, sendError, sendJson } from './responses.ts';
import type { WebServer } from './server.ts';

/** Where the credentials route is mounted. */
export const TURN_CREDENTIALS_PATH = '/api/turn-credentials';

/** A user name longer than this would push the STUN USERNAME past its 513-byte limit (RFC 8489 §14.3). */
const MAX_NAME_LENGTH = 256;

/** Settings of the credentials route. */
export interface TurnCredentialsOptions {
  /** the shared secret (coturn's `static-auth-secret`); the first one when rotating */
  secret: string;
  /** lifetime of the credentials; the draft suggests 86400 */
  ttlSeconds: number;
  /** the `turn:`/`stun:` URIs returned to clients */
  uris: string[];
  /** keys that may ask for credentials */
  apiKeys: string[];
  /** answer without a key (only for `serve`'s loopback-only demo mode) */
  openWithoutKey: boolean;
  /** coturn's `rest-api-separator`, normally ":" */
  separator: string;
  /** milliseconds since the epoch; injected by tests */
  now?: () => number;
}

/** The response body, as in draft-uberti-behave-turn-rest-00 §2.2. */
export interface TurnCredentialsResponse {
  username: string;
  password: string;
  ttl: number;
  uris: string[];
}

/** Mounts `GET /api/turn-credentials?service=turn&username=NAME[&key=APIKEY]` on `web`. */
export function registerTurnCredentialsRoute(web: WebServer, opts: TurnCredentialsOptions): void {
  if (opts.secret === '') {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, 'the TURN REST API needs a non-empty static-auth-secret');
  }
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `the TURN REST API ttl must be a positive whole number of seconds, not ${opts.ttlSeconds}`);
  }
  const now = opts.now ?? Date.now;
  web.route('GET', TURN_CREDENTIALS_PATH, (req, res, url) => {
    const key = presentedApiKey(req, url);
    const keyOk = key !== undefined && apiKeyMatches(key, opts.apiKeys);
    if (!keyOk && (key !== undefined || !opts.openWithoutKey)) {
      sendError(res, 401, HttpErrorCode.UNAUTHORIZED,
        key === undefined
          ? 'an API key is required: pass ?key=, Authorization: Bearer or X-API-Key'
          : 'the API key is not valid',
        { 'WWW-Authenticate': 'Bearer realm="turnpike"' });
      return;
    }
    const problem = requestProblem(url);
    if (problem) {
      sendError(res, 400, HttpErrorCode.BAD_REQUEST, problem);
      return;
    }
    const name = url.searchParams.get('username') ?? '';
    const minted = restApiCredentials(opts.secret, name, opts.ttlSeconds, now(), opts.separator);
    const body: TurnCredentialsResponse = { ...minted, uris: opts.uris };
    sendJson(res, 200, body);
  });
}

/** Why the query cannot be answered, or undefined when it can. */
function requestProblem(url: URL): string | undefined {
  const service = url.searchParams.get('service');
  if (service !== 'turn') {
    return service === null ? 'the service parameter is required: service=turn' : `unknown service "${service}": only service=turn is offered`;
  }
  const name = url.searchParams.get('username');
  if (name === null) return undefined;
  if (name.length > MAX_NAME_LENGTH) return `username is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'username must not contain control characters';
  return undefined;
}
