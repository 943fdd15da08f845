/**
 * Turns a request target into a URL without letting it choose the host: a target such as
 * `//evil.example/x` must stay a path on this server (RFC 9112 §3.2: origin-form), and
 * absolute-form targets (`http://host/x`, RFC 9112 §3.2.2) keep only their path and query.
 */

/**
 * The URL of a request, or `undefined` when the target is not a usable origin-form or
 * absolute-form target (the server answers 400). `scheme` is `http` or `https`.
 */
export function requestUrl(target: string | undefined, hostHeader: string | undefined, scheme: 'http' | 'https'): URL | undefined {
  if (!target) return undefined;
  let pathAndQuery: string;
  if (target.startsWith('/')) {
    pathAndQuery = target;
  } else if (/^https?:\/\//i.test(target)) {
    const absolute = parse(target);
    if (!absolute) return undefined;
    pathAndQuery = absolute.pathname + absolute.search;
  } else {
    return undefined;
  }
  const base = `${scheme}://${validHost(hostHeader) ?? 'localhost'}`;
  // Prefixing the origin keeps "//x/y" a path: the parser sees "http://host//x/y".
  return parse(base + pathAndQuery);
}

function validHost(host: string | undefined): string | undefined {
  if (!host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return undefined;
  return parse(`http://${host}`) ? host : undefined;
}

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
