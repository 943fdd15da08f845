// Turnpike admin page: plain JS, no framework. Everything comes from /api/admin/ with the
// session cookie and the X-Turnpike-Admin header (the API's CSRF guard). The Fleet view is in
// fleet.js.
'use strict';

const API = '/api/admin';
const POLL_MS = 1500;
const FAILURE_WINDOW_MS = 5 * 60_000;
const $ = (id) => document.getElementById(id);
const state = { me: null, tab: 'sessions', timer: 0, hasDb: false, failures: [] };

async function api(method, path, body) {
  const headers = { 'X-Turnpike-Admin': '1' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/login') { showLogin(); throw new Error('logged out'); }
  if (!res.ok) throw new Error((data.error && data.error.message) || `HTTP ${res.status}`);
  return data;
}

function el(tag, opts = {}, ...children) {
  const e = document.createElement(tag);
  if (opts.cls) e.className = opts.cls;
  if (opts.text !== undefined) e.textContent = String(opts.text);
  if (opts.title) e.title = opts.title;
  for (const c of children) if (c) e.append(c);
  return e;
}
const td = (text, cls, title) => el('td', { text, cls, title });

function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024; let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
function bits(bytesPerSecond) {
  const b = bytesPerSecond * 8;
  if (b < 1000) return `${b} bit/s`;
  if (b < 1e6) return `${(b / 1e3).toFixed(1)} kbit/s`;
  if (b < 1e9) return `${(b / 1e6).toFixed(1)} Mbit/s`;
  return `${(b / 1e9).toFixed(2)} Gbit/s`;
}
function duration(s) {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
const mask = (s) => (s.length <= 4 ? '••••' : `${s.slice(0, 2)}••••${s.slice(-2)}`);

function banner(message) {
  $('banner').textContent = message || '';
  $('banner').hidden = !message;
}

// ---- login ----
function showLogin() {
  clearInterval(state.timer);
  state.me = null;
  $('app').hidden = true; $('logout').hidden = true; $('live').hidden = true;
  $('who').textContent = ''; $('login').hidden = false;
}

async function start() {
  let me;
  try { me = await api('GET', '/me'); } catch { return; }
  state.me = me;
  state.hasDb = me.database !== null;
  $('login').hidden = true; $('app').hidden = false; $('logout').hidden = false; $('live').hidden = false;
  $('who').textContent = `${me.user}${me.realm ? ` · realm ${me.realm}` : ' · all realms'}`;
  $('server-info').textContent = `${me.server.software} · ${me.server.listeners.join(', ')}${me.server.realm ? ` · realm ${me.server.realm}` : ''}`;
  $('stat-db').textContent = me.database ? me.database.kind : 'no user database configured';
  showFleet(me.fleet); // fleet.js
  for (const n of document.querySelectorAll('.nodb')) n.hidden = state.hasDb;
  for (const n of document.querySelectorAll('.dbonly')) n.hidden = !state.hasDb;
  for (const i of document.querySelectorAll('.realm-input')) {
    i.placeholder = me.realm || me.server.realm || 'realm';
    if (me.realm) { i.value = me.realm; i.readOnly = true; }
  }
  if (me.realm) { $('filter-realm').value = me.realm; $('filter-realm').readOnly = true; }
  await tick();
  refreshDb();
  clearInterval(state.timer);
  state.timer = setInterval(tick, POLL_MS);
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = f.get('apiKey') ? { apiKey: f.get('apiKey') } : { user: f.get('user'), password: f.get('password') };
  $('login-error').textContent = '';
  try {
    await api('POST', '/login', body);
    ev.target.reset();
    await start();
  } catch (err) { $('login-error').textContent = err.message; }
});
$('logout').addEventListener('click', async () => { await api('POST', '/logout').catch(() => {}); showLogin(); });

// ---- tabs ----
for (const b of document.querySelectorAll('.tabs button')) {
  b.addEventListener('click', () => {
    state.tab = b.dataset.tab;
    for (const o of document.querySelectorAll('.tabs button')) o.classList.toggle('active', o === b);
    for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== `tab-${state.tab}`;
    if (state.tab === 'config') loadConfig();
    if (state.tab === 'fleet') loadFleet().catch((err) => banner(err.message));
    if (['users', 'secrets', 'realm-options'].includes(state.tab)) refreshDb();
  });
}

// ---- live polling ----
async function tick() {
  try {
    await Promise.all([loadSessions(), loadFailures(), state.tab === 'fleet' ? loadFleet() : null]);
    $('live').classList.remove('stale'); $('live').textContent = `● live ${clock(Date.now())}`;
    banner('');
  } catch (err) {
    if (!state.me) return;
    $('live').classList.add('stale'); $('live').textContent = '● not updating';
    banner(`Cannot reach the server: ${err.message}`);
  }
}

async function loadSessions() {
  const q = new URLSearchParams();
  if ($('filter-user').value.trim()) q.set('user', $('filter-user').value.trim());
  if ($('filter-realm').value.trim()) q.set('realm', $('filter-realm').value.trim());
  const data = await api('GET', `/sessions?${q}`);
  $('stat-sessions').textContent = data.total;
  $('stat-rate').textContent = bits(data.rate.toPeerBps + data.rate.fromPeerBps);
  $('stat-rate-sub').textContent = `↑ ${bits(data.rate.toPeerBps)} to peers · ↓ ${bits(data.rate.fromPeerBps)} to clients`;
  const users = new Set(data.sessions.map((s) => s.user)).size;
  const realms = new Set(data.sessions.map((s) => s.realm)).size;
  $('stat-sessions-sub').textContent = data.sessions.length ? `${users} user${users === 1 ? '' : 's'} · ${realms} realm${realms === 1 ? '' : 's'}${data.matching !== data.total ? ' (filtered)' : ''}` : '';
  $('sessions-count').textContent = data.matching === data.total ? `${data.total} sessions` : `${data.matching} of ${data.total} sessions`;
  renderSessions(data.sessions);
}

function renderSessions(sessions) {
  const body = $('sessions').tBodies[0];
  const armed = body.querySelector('button.armed');
  const armedId = armed ? armed.dataset.id : null;
  const rows = sessions.sort((a, b) => a.user.localeCompare(b.user) || a.createdAt - b.createdAt).map((s) => {
    const user = td(s.user || '(no auth)', 'user');
    if (s.state !== 'active') user.append(el('span', { cls: 'tag opening', text: s.state }));
    const client = el('td', { cls: 'mono' }, el('div', { text: s.client }), el('div', { cls: 'small', text: `${s.transport.toUpperCase()} → ${s.server}` }));
    const relays = el('td', { cls: 'mono' }, ...s.relays.map((r) => el('div', { text: r })));
    const left = td(duration(s.lifetimeLeftSeconds), `num${s.lifetimeLeftSeconds < 60 ? ' soon' : ''}`);
    const perms = td(s.permissions.length, 'num', s.permissions.map((p) => `${p.peer} (${p.expiresInSeconds}s)`).join('\n'));
    const chans = td(s.channels.filter((c) => c.active).length, 'num',
      s.channels.map((c) => `0x${c.number.toString(16)} ${c.peer}${c.active ? '' : ' (unbound)'}`).join('\n'));
    const traffic = (b, p) => el('td', { cls: 'num' }, el('div', { text: bytes(b) }), el('div', { cls: 'small', text: `${p} pkts` }));
    const rate = el('td', { cls: 'num' }, el('div', { text: `↑ ${bits(s.rate.toPeerBps)}` }), el('div', { text: `↓ ${bits(s.rate.fromPeerBps)}` }));
    const kill = el('button', { cls: 'danger', text: 'Kill', title: 'Delete this allocation now; the client gets 437 on its next request' });
    kill.type = 'button'; kill.dataset.id = String(s.id);
    if (String(s.id) === armedId) { kill.classList.add('armed'); kill.textContent = 'Confirm kill'; }
    kill.addEventListener('click', () => killSession(kill, s));
    const tr = el('tr', {}, user, td(s.realm), client, relays, td(duration(s.ageSeconds), 'num'), left, perms, chans,
      traffic(s.traffic.toPeerBytes, s.traffic.toPeerPackets), traffic(s.traffic.fromPeerBytes, s.traffic.fromPeerPackets), rate, el('td', {}, kill));
    tr.dataset.id = String(s.id);
    return tr;
  });
  body.replaceChildren(...rows);
  $('sessions-empty').hidden = sessions.length > 0;
}

/**
 * A Kill button takes two clicks: the first arms it (for 4 s) and returns false, the second,
 * on an armed button, returns true.
 */
function confirmKill(button) {
  if (button.classList.contains('armed')) return true;
  button.classList.add('armed'); button.textContent = 'Confirm kill';
  setTimeout(() => { button.classList.remove('armed'); button.textContent = 'Kill'; }, 4000);
  return false;
}

async function killSession(button, s) {
  if (!confirmKill(button)) return;
  button.disabled = true;
  try {
    await api('DELETE', `/sessions/${s.id}`);
    await loadSessions();
  } catch (err) { banner(`Could not kill ${s.user}'s session: ${err.message}`); }
}

async function loadFailures() {
  const data = await api('GET', '/auth-failures');
  state.failures = data.failures;
  const recent = data.failures.filter((f) => f.time > data.now - FAILURE_WINDOW_MS);
  $('stat-failures').textContent = recent.length;
  $('stat-failures-box').classList.toggle('alarm', recent.length > 0);
  const reasons = {};
  for (const f of recent) reasons[f.reason] = (reasons[f.reason] || 0) + 1;
  $('stat-failures-sub').textContent = Object.entries(reasons).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${r} ×${n}`).join(' · ')
    || `${data.total} since start`;
  const rows = data.failures.map((f) => el('tr', {}, td(clock(f.time), 'mono'), td(f.client, 'mono'), td(f.user || '—'),
    td(f.reason, 'reason'), td(f.message || '')));
  $('failures').tBodies[0].replaceChildren(...rows);
  $('failures-empty').hidden = rows.length > 0;
}

// ---- user database ----
function deleteButton(label, action) {
  const b = el('button', { cls: 'danger', text: label });
  b.type = 'button';
  b.addEventListener('click', async () => {
    if (!b.classList.contains('armed')) { b.classList.add('armed'); b.textContent = 'Confirm'; return; }
    try { await action(); await refreshDb(); } catch (err) { banner(err.message); }
  });
  return b;
}

async function refreshDb() {
  if (!state.me || !state.hasDb) return;
  try {
    const [users, secrets, options] = await Promise.all([api('GET', '/users'), api('GET', '/secrets'), api('GET', '/realm-options')]);
    $('stat-users').textContent = users.users.length;
    const q = (o) => new URLSearchParams(o).toString();
    $('users').tBodies[0].replaceChildren(...users.users.map((u) => el('tr', {}, td(u.name, 'user'), td(u.realm),
      el('td', {}, deleteButton('Delete', () => api('DELETE', `/users?${q({ realm: u.realm, name: u.name })}`))))));
    $('secrets').tBodies[0].replaceChildren(...secrets.secrets.map((s) => el('tr', {}, td(mask(s.value), 'mono'), td(s.realm),
      el('td', {}, deleteButton('Delete', () => api('DELETE', `/secrets?${q({ realm: s.realm, value: s.value })}`))))));
    $('realm-options').tBodies[0].replaceChildren(...options.options.map((o) => el('tr', {}, td(o.realm), td(o.option, 'mono'), td(o.value, 'num'),
      el('td', {}, deleteButton('Delete', () => api('DELETE', `/realm-options?${q({ realm: o.realm, option: o.option })}`))))));
  } catch (err) { banner(err.message); }
}

function dbForm(id, method, path, toBody) {
  $(id).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = Object.fromEntries(new FormData(ev.target));
    try {
      await api(method, path, toBody(f));
      for (const i of ev.target.querySelectorAll('input:not(.realm-input)')) i.value = '';
      banner('');
      await refreshDb();
    } catch (err) { banner(err.message); }
  });
}
dbForm('user-form', 'POST', '/users', (f) => ({ name: f.name, realm: f.realm, password: f.password }));
dbForm('secret-form', 'POST', '/secrets', (f) => ({ realm: f.realm, value: f.value }));
dbForm('option-form', 'PUT', '/realm-options', (f) => ({ realm: f.realm, option: f.option, value: Number(f.value) }));

// ---- configuration ----
async function loadConfig() {
  try {
    const data = await api('GET', '/config');
    $('config-sources').textContent = data.sources.length ? `Read from ${data.sources.join(', ')}` : 'From the command line';
    const rows = [];
    const walk = (prefix, value) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
      } else {
        rows.push(el('tr', {}, td(prefix), td(value === undefined || value === null ? '—' : JSON.stringify(value))));
      }
    };
    walk('', data.config);
    $('config').tBodies[0].replaceChildren(...rows);
  } catch (err) {
    $('config').tBodies[0].replaceChildren(el('tr', {}, td(err.message)));
  }
}

for (const id of ['filter-user', 'filter-realm']) $(id).addEventListener('input', () => loadSessions().catch(() => {}));
start().then(() => { if (!state.me) showLogin(); });
