/**
 * API keys for Turnpike's HTTP API. A key may come as the `key` query parameter (as
 * draft-uberti-behave-turn-rest-00 §2.1 has it), an `Authorization: Bearer` header
 * (RFC 6750 §2.1) or an `X-API-Key` header, and is compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** The API key a request presents, if any; headers win over the query parameter. */
export function presentedApiKey(req: http.IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (bearer) return bearer[1];
  }
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  return url.searchParams.get('key') ?? undefined;
}

/**
 * Whether `presented` equals one of `keys`. Both sides are hashed first so the comparison
 * takes the same time whatever the lengths, and every key is compared so the position of
 * a match does not show either.
 */
export function apiKeyMatches(presented: string, keys: readonly string[]): boolean {
  const digest = sha256(presented);
  let found = false;
  for (const key of keys) {
    if (key !== '' && timingSafeEqual(digest, sha256(key))) found = true;
  }
  return found;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
