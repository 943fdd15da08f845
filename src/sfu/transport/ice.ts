/**
 * ICE helpers for the transport: `[[webrtc.iceserver]]` URLs (RFC 7064 stun:, RFC 7065 turn:)
 * into the WebRTC stack's server list, and `nat1to1` host-candidate rewriting (RFC 8445 §5.1.1.1
 * host candidates, announced with the public address of a 1:1 NAT). Pure.
 */

/** A server entry as libdatachannel takes it: a STUN URL string, or a TURN server object. */
export type StackIceServer =
  | string
  | { hostname: string; port: number; username?: string; password?: string; relayType?: 'TurnUdp' | 'TurnTcp' | 'TurnTls' };

/** Converts configured ICE servers; URLs that cannot be used are skipped. */
export function toIceServers(servers: readonly { readonly urls: readonly string[]; readonly username?: string; readonly credential?: string }[]): StackIceServer[] {
  const out: StackIceServer[] = [];
  for (const s of servers) {
    for (const url of s.urls) {
      const m = /^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(url.trim());
      if (!m) continue;
      const scheme = m[1].toLowerCase();
      const host = m[2].replace(/^\[|\]$/g, '');
      const port = m[3] ? Number(m[3]) : scheme.endsWith('s') ? 5349 : 3478;
      if (scheme.startsWith('stun')) {
        out.push(`stun:${m[2]}:${port}`);
        continue;
      }
      const relayType = scheme === 'turns' ? 'TurnTls' : m[4]?.toLowerCase() === 'tcp' ? 'TurnTcp' : 'TurnUdp';
      out.push({ hostname: host, port, username: s.username, password: s.credential, relayType });
    }
  }
  return out;
}

/**
 * For a host candidate and a non-empty `nat1to1` list, the same candidate once per public
 * address of the same family; any other candidate unchanged.
 */
export function rewriteHostCandidate(candidate: string, nat1to1: readonly string[]): string[] {
  if (nat1to1.length === 0) return [candidate];
  const parts = candidate.split(' ');
  const typ = parts.indexOf('typ');
  if (parts.length < 8 || typ < 0 || parts[typ + 1] !== 'host') return [candidate];
  const v6 = parts[4].includes(':');
  const same = nat1to1.filter((ip) => ip.includes(':') === v6);
  if (same.length === 0) return [candidate];
  return same.map((ip) => {
    const p = [...parts];
    p[4] = ip;
    return p.join(' ');
  });
}
