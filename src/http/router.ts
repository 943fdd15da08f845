/**
 * The route table of Turnpike's web server: exact paths, and prefixes written `/base/*`.
 * Pure lookup, no I/O, so the matching rules (exact beats prefix, longest prefix wins,
 * HEAD is answered by GET, RFC 9110 §9.3.2) are tested on their own.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** The methods routes may be registered for. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a lookup found: the value registered, a 405 with the allowed methods, or nothing. */
export type RouteMatch<T> =
  | { kind: 'found'; value: T }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

interface Entry<T> {
  byMethod: Map<string, T>;
}

/** A route table mapping (method, path) to a value, usually a handler. */
export class RouteTable<T> {
  readonly #exact = new Map<string, Entry<T>>();
  /** prefix (with its trailing slash) → entry, kept longest first */
  #prefixes: Array<[string, Entry<T>]> = [];

  /**
   * Registers `value` for `method` on `path`: an exact path (`/api/server-info`), or every
   * path under a prefix when it ends with `/*` (`/trickle-ice/*` matches `/trickle-ice/x.js`).
   * Registering the same method and path twice is a programming error.
   */
  add(method: RouteMethod, path: string, value: T): void {
    if (!path.startsWith('/')) {
      throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `route path must start with "/": ${path}`);
    }
    const entry = path.endsWith('/*') ? this.#prefixEntry(path.slice(0, -1)) : this.#exactEntry(path);
    if (entry.byMethod.has(method)) {
      throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `route ${method} ${path} is registered twice`);
    }
    entry.byMethod.set(method, value);
  }

  /** Finds the value for a request; `pathname` is the URL's path, still percent-encoded. */
  match(method: string, pathname: string): RouteMatch<T> {
    const entry = this.#exact.get(pathname) ?? this.#prefixes.find(([p]) => pathname.startsWith(p))?.[1];
    if (!entry) return { kind: 'not-found' };
    const value = entry.byMethod.get(method) ?? (method === 'HEAD' ? entry.byMethod.get('GET') : undefined);
    if (value !== undefined) return { kind: 'found', value };
    const allow = [...entry.byMethod.keys()];
    if (allow.includes('GET')) allow.push('HEAD');
    return { kind: 'method-not-allowed', allow };
  }

  #exactEntry(path: string): Entry<T> {
    let entry = this.#exact.get(path);
    if (!entry) {
      entry = { byMethod: new Map() };
      this.#exact.set(path, entry);
    }
    return entry;
  }

  #prefixEntry(prefix: string): Entry<T> {
    const found = this.#prefixes.find(([p]) => p === prefix);
    if (found) return found[1];
    const entry: Entry<T> = { byMethod: new Map() };
    this.#prefixes.push([prefix, entry]);
    this.#prefixes.sort((a, b) => b[0].length - a[0].length);
    return entry;
  }
}
