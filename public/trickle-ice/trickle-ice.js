// The trickle-ICE page: edit a list of STUN/TURN servers, gather candidates in this
// browser, and show every candidate, every error and a plain-language verdict per server.
// Pre-filled from this Turnpike's /api/server-info and, when allowed, its TURN REST API.

import { getJson } from '../common/api.js';
import { el, replaceChildren } from '../common/dom.js';
import { startGathering, revealHostAddresses } from './gather.js';
import { iceUrlProblem, parseIceUrl } from './ice-url.js';
import { splitPriority } from './priority.js';
import { judgeServers, summarize } from './verdict.js';

const $ = (id) => document.getElementById(id);
const BADGES = { ok: 'Works', fail: 'Failed', warn: 'Check', skip: 'Not tested', wait: 'Waiting' };

const state = { candidates: [], errors: [], complete: false, gathering: false, run: null, policy: 'all', ownUrls: new Set(), serverSays: null };

// ---- the server list -------------------------------------------------------------------

function addServerRow({ url = '', username = '', password = '' } = {}) {
  const row = $('server-row').content.firstElementChild.cloneNode(true);
  row.querySelector('.url').value = url;
  row.querySelector('.username').value = username;
  row.querySelector('.password').value = password;
  row.querySelector('.remove').addEventListener('click', () => {
    row.remove();
    if ($('server-rows').children.length === 0) addServerRow();
    renderVerdicts();
  });
  row.querySelector('.url').addEventListener('input', () => showUrlProblem(row, ''));
  $('server-rows').append(row);
  return row;
}

function serverRows() {
  return [...$('server-rows').querySelectorAll('.server-row')].map((row) => ({
    row,
    url: row.querySelector('.url').value.trim(),
    username: row.querySelector('.username').value,
    password: row.querySelector('.password').value,
  }));
}

function showUrlProblem(row, problem) {
  const box = row.querySelector('.field-error');
  box.textContent = problem;
  box.hidden = problem === '';
  row.querySelector('.url').classList.toggle('invalid', problem !== '');
}

/** Checks every row; rows left empty are ignored unless all are. */
function validServers() {
  const rows = serverRows();
  const filled = rows.filter((r) => r.url !== '');
  let ok = true;
  for (const r of rows) {
    const problem = r.url === '' && filled.length > 0 ? '' : iceUrlProblem(r.url);
    showUrlProblem(r.row, problem);
    if (problem) ok = false;
  }
  return ok ? filled : null;
}

function iceServersOf(servers) {
  return servers.map(({ url, username, password }) => {
    const entry = { urls: url };
    if (username !== '') entry.username = username;
    if (password !== '') entry.credential = password;
    return entry;
  });
}

// ---- gathering -------------------------------------------------------------------------

async function gather() {
  const servers = validServers();
  if (!servers) {
    setStatus('Fix the URL marked in red first.');
    return;
  }
  stopRun();
  clearResults();
  state.policy = document.querySelector('input[name="policy"]:checked').value;
  state.gathering = true;
  renderVerdicts();
  if ($('reveal-host').checked) {
    try {
      await revealHostAddresses();
    } catch (err) {
      setStatus(`Microphone access was refused (${err.name}); local addresses stay hidden.`);
    }
  }
  const poolSize = Math.max(0, Math.min(10, Number($('pool-size').value) || 0));
  setStatus('Gathering… an unanswered server takes the browser about 40 seconds to give up on.');
  try {
    state.run = startGathering({
      iceServers: iceServersOf(servers), policy: state.policy, poolSize,
      onCandidate, onError, onDone,
    });
  } catch (err) {
    state.gathering = false;
    setStatus(`The browser refused this configuration: ${err.message}`);
    renderVerdicts();
  }
}

function onCandidate(candidate, ms) {
  const seen = {
    type: candidate.type, address: candidate.address ?? '', port: candidate.port ?? '',
    protocol: candidate.protocol ?? '', url: candidate.url ?? '', relayProtocol: candidate.relayProtocol ?? '',
  };
  state.candidates.push(seen);
  $('candidate-rows').append(el('tr', { 'data-type': seen.type },
    el('td', { class: 'num' }, seconds(ms)),
    el('td', {}, candidate.component ?? ''),
    el('td', {}, el('span', { class: `type type-${seen.type}` }, seen.type)),
    el('td', { class: 'mono' }, candidate.foundation ?? ''),
    el('td', {}, seen.protocol + (candidate.tcpType ? ` (${candidate.tcpType})` : ''), viaTurn(seen)),
    el('td', { class: 'mono' }, seen.address),
    el('td', { class: 'num mono' }, seen.port),
    el('td', { class: 'num mono' }, splitPriority(candidate.priority)),
    el('td', { class: 'mono muted' }, seen.url),
  ));
  renderVerdicts();
}

/** For a relay candidate: how the browser reaches the TURN server, which differs from the candidate's own protocol. */
function viaTurn(seen) {
  if (seen.type !== 'relay') return null;
  const parsed = parseIceUrl(seen.url);
  const transport = seen.relayProtocol || (parsed ? (parsed.secure ? 'tls' : parsed.transport) : '');
  return transport ? el('span', { class: 'muted' }, ` · TURN via ${transport.toUpperCase()}`) : null;
}

function onError(event, ms) {
  const seen = { url: event.url ?? '', errorCode: Number(event.errorCode), errorText: event.errorText ?? '' };
  state.errors.push(seen);
  const local = event.address ? `${event.address}:${event.port ?? ''}` : '';
  $('error-rows').append(el('tr', {},
    el('td', { class: 'num' }, seconds(ms)),
    el('td', { class: 'mono' }, seen.url),
    el('td', { class: 'num' }, el('span', { class: 'code' }, seen.errorCode)),
    el('td', {}, seen.errorText),
    el('td', { class: 'mono muted' }, local),
  ));
  $('errors').hidden = false;
  $('no-errors').hidden = true;
  renderVerdicts();
}

function onDone(ms) {
  state.complete = true;
  state.gathering = false;
  state.run = null;
  $('candidate-rows').append(el('tr', { class: 'done-row' },
    el('td', { class: 'num' }, seconds(ms)),
    el('td', { colspan: 8 }, el('b', {}, 'Done'), ` — gathering took ${seconds(ms)} s`),
  ));
  setStatus(`Done in ${seconds(ms)} s: ${state.candidates.length} candidates, ${state.errors.length} errors.`);
  renderVerdicts();
  void askServerWhy();
}

function stopRun() {
  if (state.run) state.run.stop();
  state.run = null;
  state.gathering = false;
}

function clearResults() {
  Object.assign(state, { candidates: [], errors: [], complete: false, gathering: false, serverSays: null });
  replaceChildren($('candidate-rows'));
  replaceChildren($('error-rows'));
  $('errors').hidden = true;
  $('no-errors').hidden = false;
  setStatus('');
  renderVerdicts();
}

// ---- verdicts --------------------------------------------------------------------------

function renderVerdicts() {
  const servers = serverRows().filter((s) => s.url !== '');
  const tested = state.complete || state.gathering;
  const verdicts = tested
    ? judgeServers({ servers, candidates: state.candidates, errors: state.errors, policy: state.policy, complete: state.complete })
    : [];
  const summary = servers.length === 0
    ? summarize([], state)
    : tested ? summarize(verdicts, state) : { state: 'skip', text: 'Press Gather candidates to test these servers.' };
  $('summary').dataset.state = summary.state;
  $('summary').textContent = summary.text;
  replaceChildren($('verdicts'), verdicts.map((v) => el('li', { class: 'verdict', 'data-state': v.state, 'data-url': v.url },
    el('span', { class: 'badge' }, BADGES[v.state]),
    el('div', { class: 'verdict-body' },
      el('div', { class: 'verdict-head' }, el('code', { class: 'verdict-url' }, v.url), el('span', { class: 'verdict-headline' }, v.headline)),
      el('p', { class: 'verdict-detail' }, v.detail),
      ownReason(v)),
  )));
}

/** What this server logged about a 401 it gave this browser (its own TURN URLs only). */
function ownReason(v) {
  const says = state.serverSays;
  if (v.state !== 'fail' || !says || !state.ownUrls.has(v.url) || !state.errors.some((e) => e.url === v.url && e.errorCode === 401)) return null;
  return el('p', { class: 'verdict-detail server-says' }, el('b', {}, 'This server says: '), `${says.why}. ${says.hint ? `Hint: ${says.hint}.` : ''}`);
}

/** After a 401 from this server's own TURN URLs, asks it why (its log's words for this browser's address). */
async function askServerWhy() {
  if (!state.errors.some((e) => e.errorCode === 401 && state.ownUrls.has(e.url))) return;
  const answer = await getJson('/api/auth-failures');
  const latest = answer.ok ? answer.body?.failures?.at(-1) : undefined;
  if (latest) {
    state.serverSays = latest;
    renderVerdicts();
  }
}

// ---- pre-fill --------------------------------------------------------------------------

/** Fills the server list from this server, so its own STUN/TURN can be checked in one click. */
async function prefill() {
  const info = await getJson('/api/server-info');
  if (!info.ok) {
    addServerRow();
    return;
  }
  const { stun = [], turn = [], realm = '', version = '' } = info.body ?? {};
  $('server-version').textContent = version ? `Turnpike ${version}${realm ? ` · realm ${realm}` : ''}` : '';
  const creds = turn.length > 0 ? await getJson('/api/turn-credentials?service=turn&username=trickle-ice') : null;
  const username = creds && creds.ok ? creds.body.username : '';
  const password = creds && creds.ok ? creds.body.password : '';
  for (const url of stun) addServerRow({ url });
  for (const url of turn) addServerRow({ url, username, password });
  for (const url of [...stun, ...turn]) state.ownUrls.add(url);
  if (stun.length + turn.length === 0) addServerRow();
  if (creds) showPrefillNote(creds);
  renderVerdicts();
}

function showPrefillNote(creds) {
  const note = $('prefill-note');
  note.hidden = false;
  if (creds.ok) {
    const hours = Math.round((creds.body.ttl / 3600) * 10) / 10;
    note.textContent = `This server's TURN URLs are filled in with temporary credentials from its TURN REST API (valid ${hours} h).`;
  } else if (creds.status === 401) {
    note.textContent = "This server's TURN REST API needs an API key: enter a TURN username and password.";
  } else {
    note.textContent = 'Enter a TURN username and password for the TURN URLs.';
  }
}

// ---- helpers and start-up --------------------------------------------------------------

function seconds(ms) {
  return (ms / 1000).toFixed(3);
}

function setStatus(text) {
  $('status').textContent = text;
}

$('add-server').addEventListener('click', () => {
  addServerRow().querySelector('.url').focus();
  renderVerdicts();
});
$('server-form').addEventListener('submit', (event) => {
  // Enter in any field gathers too; the page never navigates away.
  event.preventDefault();
  void gather();
});
$('clear').addEventListener('click', () => {
  stopRun();
  clearResults();
});
$('server-rows').addEventListener('change', renderVerdicts);
void prefill();
