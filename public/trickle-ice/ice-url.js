// STUN and TURN URLs (RFC 7064 §3.1, RFC 7065 §3.1) as the trickle-ICE page needs them:
// enough to check what a person typed and to tell which server a candidate or an error
// came from. Pure functions, also run by Node's tests.

const URL_PATTERN = /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^\s:/?#[\]@]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i;

/**
 * Parses a `stun:`, `stuns:`, `turn:` or `turns:` URL. Returns null when it is not one,
 * otherwise the scheme, host (IPv6 without brackets), port (3478, or 5349 for the secure
 * schemes) and transport (udp, or tcp for the secure schemes and `?transport=tcp`).
 */
export function parseIceUrl(text) {
  const m = URL_PATTERN.exec(String(text).trim());
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  const secure = scheme.endsWith('s');
  const port = m[3] === undefined ? (secure ? 5349 : 3478) : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (scheme.startsWith('stun') && m[4] !== undefined) return null;
  const transport = m[4] ? m[4].toLowerCase() : secure ? 'tcp' : 'udp';
  return { scheme, host: m[2].replace(/^\[|\]$/g, '').toLowerCase(), port, transport, secure, isTurn: scheme.startsWith('turn') };
}

/** Why `text` is not a usable ICE server URL, or '' when it is. */
export function iceUrlProblem(text) {
  const t = String(text).trim();
  if (t === '') return 'Enter a URL such as stun:203.0.113.5:3478 or turn:203.0.113.5:3478?transport=tcp';
  if (!/^(stuns?|turns?):/i.test(t)) return 'The URL must start with stun:, stuns:, turn: or turns:';
  if (/^stuns?:.*\?/i.test(t)) return 'stun: URLs take no ?transport= (STUN runs over UDP here)';
  if (!parseIceUrl(t)) return 'Not a valid STUN/TURN URL: scheme:host[:port][?transport=udp|tcp]';
  return '';
}

/** True when two parsed URLs name the same server address (host and port). */
export function sameAddress(a, b) {
  return a !== null && b !== null && a.host === b.host && a.port === b.port;
}
