// Plain-language verdicts for the trickle-ICE page: for each STUN/TURN server, does it work,
// and if not, the usual causes. Built only from what the browser reports: candidates
// (RFC 8445 §5.1.1: srflx proves STUN, relay proves TURN, RFC 8656 §3) and
// icecandidateerror events (STUN error codes, RFC 8489 §14.8, and 701 for no answer).
// Pure functions, also run by Node's tests.

import { parseIceUrl, sameAddress } from './ice-url.js';

/** What a STUN/TURN error code usually means, for a person fixing the server. */
const ERROR_HINTS = {
  400: ['the server rejected a malformed request (400 Bad Request)', 'A client/server mismatch: check that the URL points at a STUN/TURN server and not at some other service.'],
  401: ['TURN refused the credentials (401 Unauthorized)', 'Wrong username or password, or a user the server does not know in its realm. With TURN REST API credentials: an expired timestamp (it must be in seconds, not milliseconds), a hex instead of base64 password, or a different static-auth-secret.'],
  403: ['the server refused the request (403 Forbidden)', 'Your address or this peer is denied by the server (denied-peer-ip, allowed-peer-ip), or the user is not allowed to relay.'],
  420: ['the server does not understand a required attribute (420)', 'The server is too old for this browser or is not a TURN server.'],
  437: ['allocation mismatch (437)', 'A stale allocation for this address; gather again.'],
  438: ['stale nonce (438)', 'The browser retries with a fresh nonce by itself; if it persists, check the server clock and stale-nonce.'],
  441: ['wrong credentials for this allocation (441)', 'The username or realm changed for an existing allocation; gather again.'],
  442: ['unsupported transport protocol (442)', 'The server does not relay this transport (no-udp-relay / no-tcp-relay).'],
  486: ['allocation quota reached (486)', 'Too many allocations for this user (user-quota) or in total (total-quota).'],
  508: ['insufficient capacity (508)', 'No relay port is free: the min-port..max-port range is too small or used up.'],
};

/**
 * One verdict per distinct server URL, in the order given.
 * state: 'ok' (works), 'fail', 'warn' (works with a caveat), 'skip' (not tested), 'wait'.
 */
export function judgeServers({ servers, candidates, errors, policy, complete }) {
  const seen = new Set();
  const verdicts = [];
  for (const server of servers) {
    const url = String(server.url).trim();
    if (url === '' || seen.has(url)) continue;
    seen.add(url);
    const parsed = parseIceUrl(url);
    if (!parsed) {
      verdicts.push({ url, state: 'fail', headline: 'Not a STUN/TURN URL', detail: 'Use scheme:host[:port][?transport=udp|tcp], e.g. turn:203.0.113.5:3478?transport=tcp.' });
      continue;
    }
    const context = { server, parsed, candidates, errors, policy, complete };
    verdicts.push({ url, ...(parsed.isTurn ? judgeTurn(context) : judgeStun(context)) });
  }
  return verdicts;
}

/** One line over all servers, so the page is clear at a glance. */
export function summarize(verdicts, { complete, gathering }) {
  if (verdicts.length === 0) return { state: 'skip', text: 'Add a STUN or TURN server, then press Gather candidates.' };
  if (gathering && !complete) return { state: 'wait', text: 'Gathering candidates…' };
  if (!complete) return { state: 'skip', text: 'Press Gather candidates to test these servers.' };
  const tested = verdicts.filter((v) => v.state !== 'skip');
  const failed = tested.filter((v) => v.state === 'fail');
  if (tested.length > 0 && failed.length === tested.length && failed.every((v) => v.noAnswer)) {
    return { state: 'fail', text: 'Nothing came back from any server: its port is blocked or the server is down.' };
  }
  if (failed.length > 0) {
    return { state: 'fail', text: tested.length === 1 ? 'The server failed.' : `${failed.length} of ${tested.length} servers failed.` };
  }
  if (tested.some((v) => v.state === 'warn')) return { state: 'warn', text: 'The servers answer, with a caveat below.' };
  if (tested.length === 0) return { state: 'skip', text: 'No server was tested with this transport policy.' };
  return { state: 'ok', text: tested.length === 1 ? 'The server works.' : `All ${tested.length} servers work.` };
}

function judgeStun({ parsed, candidates, errors, policy, complete }) {
  if (policy === 'relay') {
    return { state: 'skip', headline: 'Not tested', detail: 'With transport policy "relay" the browser gathers relay candidates only, so STUN is not asked.' };
  }
  const srflx = candidates.filter((c) => c.type === 'srflx' && fromStun(c.url, parsed));
  if (srflx.length > 0) return stunWorks(srflx[0]);
  const failures = errors.filter((e) => fromStun(e.url, parsed));
  if (failures.length > 0) return fromError(failures, parsed);
  if (!complete) return { state: 'wait', headline: 'Waiting for an answer…', detail: 'An unanswered server takes the browser about 40 seconds to give up on.' };
  if (!candidates.some((c) => c.type === 'host' && c.protocol === 'udp')) {
    return { state: 'warn', headline: 'Not tested: no local UDP address', detail: 'The browser gathered no UDP host candidate, so it had nothing to ask the STUN server from.' };
  }
  return {
    state: 'ok',
    headline: 'STUN answered — no srflx because the reflexive address equals a host address',
    detail: 'The browser reported no error for this server, so its Binding requests were answered; '
      + 'Chromium drops a server-reflexive candidate equal to one of its own host addresses, '
      + 'which is normal on loopback or on a LAN with no NAT between you and the server.',
  };
}

function stunWorks(candidate) {
  const at = `${candidate.address}:${candidate.port}`;
  return {
    state: 'ok',
    headline: `STUN works (srflx from ${at})`,
    detail: isPrivate(candidate.address)
      ? `The server sees you at ${at}, a local address: there is no NAT between you and the server.`
      : `The server sees you at ${at}: your public address.`,
  };
}

function judgeTurn({ server, parsed, candidates, errors, complete }) {
  if (!server.username || !server.password) {
    return { state: 'fail', headline: 'TURN needs a username and a password', detail: 'Fill in both; browsers refuse a turn: URL without credentials.' };
  }
  const relays = candidates.filter((c) => c.type === 'relay' && fromTurn(c.url, parsed));
  if (relays.length > 0) return turnWorks(relays[0], parsed, candidates);
  const failures = errors.filter((e) => fromTurn(e.url, parsed) || (parsed.transport === 'udp' && !parsed.secure && fromStun(e.url, parsed)));
  if (failures.length > 0) return fromError(failures, parsed);
  if (!complete) return { state: 'wait', headline: 'Waiting for an answer…', detail: 'An unanswered server takes the browser about 40 seconds to give up on.' };
  return {
    state: 'fail',
    headline: 'No relay candidate',
    detail: 'The server sent no relay address and the browser reported no error. Usual causes: the relay port range '
      + '(min-port..max-port) is blocked or used up, relaying is disabled for this transport, or external-ip is wrong.',
  };
}

function turnWorks(relay, parsed, candidates) {
  const over = parsed.secure ? 'TLS' : parsed.transport.toUpperCase();
  const at = `${relay.address}:${relay.port}`;
  const srflx = candidates.find((c) => c.type === 'srflx' && fromStun(c.url, parsed));
  const stunNote = srflx ? ` It also answers STUN (srflx from ${srflx.address}:${srflx.port}).` : '';
  if (isPrivate(relay.address) && !isPrivate(parsed.host) && !/\.local$|^localhost$/.test(parsed.host)) {
    return {
      state: 'warn',
      headline: `TURN answers over ${over}, but the relay address ${at} is private`,
      detail: 'Clients elsewhere cannot reach a private relay address: set external-ip to the public address (external-ip=PUBLIC/PRIVATE behind NAT).' + stunNote,
    };
  }
  return {
    state: 'ok',
    headline: `TURN works over ${over} (relay ${at})`,
    detail: 'The server accepted the credentials and allocated a relay address.' + stunNote,
  };
}

/** The verdict for a server whose only news is errors; 401 says the most, so it wins. */
function fromError(failures, parsed) {
  const chosen = failures.find((e) => e.errorCode === 401) ?? failures.find((e) => e.errorCode !== 701) ?? failures[0];
  const code = Number(chosen.errorCode);
  const report = `The browser reported: ${code}${chosen.errorText ? ` ${chosen.errorText}` : ''}`.replace(/\.?$/, '.');
  if (code === 701) {
    const where = `${parsed.host}:${parsed.port}`;
    const tcp = parsed.transport === 'tcp';
    return {
      state: 'fail',
      noAnswer: true,
      headline: tcp ? `Could not connect to ${where} over TCP` : `No answer from ${where}`,
      detail: `Usual causes: ${tcp ? 'TCP' : 'UDP'} port ${parsed.port} is blocked by a firewall, the server is down or not listening on this address, or the host name does not resolve. ${report}`,
    };
  }
  const hint = ERROR_HINTS[code];
  if (hint) return { state: 'fail', headline: capitalize(hint[0]), detail: `${hint[1]} ${report}` };
  return { state: 'fail', headline: `The server answered with error ${code}`, detail: report };
}

/** A candidate or error URL from this server used as a STUN server (Chromium also asks TURN servers). */
function fromStun(url, parsed) {
  const u = parseIceUrl(url ?? '');
  return u !== null && !u.isTurn && sameAddress(u, parsed);
}

function fromTurn(url, parsed) {
  const u = parseIceUrl(url ?? '');
  return u !== null && u.isTurn && sameAddress(u, parsed) && u.transport === parsed.transport && u.secure === parsed.secure;
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Loopback, private, link-local and shared (CGNAT) addresses (RFC 1918, 6598, 4193, 4291). */
export function isPrivate(address) {
  const a = String(address).toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(a);
  if (v4) {
    const [x, y] = [Number(v4[1]), Number(v4[2])];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)
      || (x === 169 && y === 254) || (x === 100 && y >= 64 && y <= 127);
  }
  return a === '::1' || /^f[cd][0-9a-f]{2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a);
}
