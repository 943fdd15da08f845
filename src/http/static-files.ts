/**
 * Static files for Turnpike's self-hosted pages. A request path is decoded segment by
 * segment and refused if any segment could climb out of the directory (`..`, encoded
 * slashes, backslashes, NUL) or names a dotfile; symbolic links that lead outside are
 * refused too. Responses carry an ETag and `Cache-Control: no-cache`, so browsers
 * revalidate cheaply with If-None-Match (RFC 9110 §8.8.3, §13.1.2; RFC 9111 §5.2.2.4).
 */
import { realpathSync, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { contentTypeFor } from './content-types.ts';
import { HttpErrorCode, sendError } from './responses.ts';

/** The Content-Security-Policy of every page: nothing loaded from other origins, no eval. */
export const DEFAULT_CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
  + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/** Options of a static mount. */
export interface StaticOptions {
  /** the Content-Security-Policy its files are served with (default `DEFAULT_CSP`) */
  contentSecurityPolicy?: string;
}

/** The file a request path names under the served directory, or why it names none. */
export type StaticPath =
  | { ok: true; segments: string[] }
  | { ok: false; status: 400 | 404; reason: string };

/**
 * Splits the part of a URL path below the mount point into safe file-name segments.
 * `relative` is still percent-encoded; an empty result or trailing slash means `index.html`.
 */
export function staticPath(relative: string): StaticPath {
  const raw = relative.split('/');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw[raw.length - 1] = 'index.html';
  const segments: string[] = [];
  for (const part of raw) {
    if (part === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400, reason: 'the path has a malformed percent-encoding' };
    }
    if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      return { ok: false, status: 400, reason: 'the path tries to leave the served directory' };
    }
    if (name.startsWith('.')) return { ok: false, status: 404, reason: 'hidden files are not served' };
    segments.push(name);
  }
  return { ok: true, segments };
}

/**
 * A handler serving `dir` at `prefix` (which ends with "/"). Directories redirect to their
 * trailing-slash form and serve their `index.html`.
 */
export function createStaticHandler(prefix: string, dir: string, opts: StaticOptions = {}) {
  const securityHeaders = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': opts.contentSecurityPolicy ?? DEFAULT_CSP,
  };
  // Resolved once: the served tree's real location is what every file must stay inside.
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `cannot serve ${dir} at ${prefix}: ${(err as Error).message}`, { cause: err });
  }
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const wanted = staticPath(url.pathname.slice(prefix.length));
    if (!wanted.ok) {
      sendError(res, wanted.status, wanted.status === 400 ? HttpErrorCode.BAD_REQUEST : HttpErrorCode.NOT_FOUND, wanted.reason);
      return;
    }
    const file = await openInside(root, wanted.segments);
    if (!file) {
      sendError(res, 404, HttpErrorCode.NOT_FOUND, `nothing at ${url.pathname}`);
      return;
    }
    try {
      const stats = await file.handle.stat();
      if (stats.isDirectory()) {
        res.writeHead(301, { Location: `${url.pathname}/${url.search}`, 'Content-Length': 0 });
        res.end();
        return;
      }
      if (!stats.isFile()) {
        sendError(res, 404, HttpErrorCode.NOT_FOUND, `nothing at ${url.pathname}`);
        return;
      }
      await sendFile(req, res, file.handle, file.name, stats, securityHeaders);
    } finally {
      await file.handle.close();
    }
  };
}

/** Opens `segments` below `root` only if its real path (links followed) is still below `root`. */
async function openInside(root: string, segments: string[]): Promise<{ handle: FileHandle; name: string } | undefined> {
  const target = path.join(root, ...segments);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    return undefined;
  }
  if (real !== root && !real.startsWith(root + path.sep)) return undefined;
  try {
    return { handle: await open(real, 'r'), name: real };
  } catch {
    return undefined;
  }
}

async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, handle: FileHandle,
  name: string, stats: Stats, securityHeaders: Record<string, string>): Promise<void> {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers = {
    ...securityHeaders,
    ETag: etag,
    'Last-Modified': stats.mtime.toUTCString(),
    'Cache-Control': 'no-cache',
  };
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': contentTypeFor(name), 'Content-Length': stats.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(handle.createReadStream({ autoClose: false }), res);
  } catch (err) {
    // A client that goes away mid-file is routine, not a server failure.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}

/** RFC 9110 §13.1.2: If-None-Match compares weakly and accepts a list or `*`. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}
