// Turnpike admin page, Fleet view (`fleet-redis`, `redis-statsdb`): every member with its load,
// health and last heartbeat, and every session the statsdb lists, each with a Kill button that
// sends the kill to the member owning it (DELETE /api/admin/fleet/sessions/<id>). Uses admin.js's
// helpers (api, el, td, $, state, banner, duration, clock, confirmKill); admin.js calls showFleet
// and loadFleet.
'use strict';

const fleet = { self: null };

/** Shows the Fleet tab when /me says the server has a fleet. */
function showFleet(info) {
  $('fleet-tab').hidden = !info;
  fleet.self = info ? info.member : null;
  $('fleet-self').textContent = !info ? ''
    : info.member ? `This server is fleet member ${info.member}.` : 'redis-statsdb only: sessions are listed; members and kills need fleet-redis.';
}

function percent(n, of) {
  return of > 0 ? `${n} / ${of} (${Math.round((100 * n) / of)}%)` : String(n);
}

function renderMembers(members, now) {
  const rows = members.sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
    const health = m.health.ok ? 'healthy' : 'unhealthy';
    const tr = el('tr', {}, td(m.name, 'user'), td(m.advertise || '—', 'mono', m.advertiseTls ? `TLS/DTLS ${m.advertiseTls}` : ''),
      td(m.load.allocations, 'num'), td(percent(m.load.relayPortsInUse, m.load.relayPortsTotal), 'num'),
      td(`${Math.round(m.load.cpu * 100)}%`, 'num'),
      td(`${health}${m.health.database === 'none' ? '' : ` · database ${m.health.database}`}`, m.health.ok ? 'health-ok' : 'health-bad'),
      td(`${duration(Math.max(0, Math.round((now - m.heartbeatAt) / 1000)))} ago`, 'num', clock(m.heartbeatAt)),
      td(m.software, 'small'));
    tr.dataset.member = m.name;
    if (m.name === fleet.self) tr.classList.add('self');
    return tr;
  });
  $('fleet-members').tBodies[0].replaceChildren(...rows);
  $('fleet-members-empty').hidden = rows.length > 0;
}

function renderFleetSessions(sessions) {
  const body = $('fleet-sessions').tBodies[0];
  const armed = body.querySelector('button.armed');
  const armedId = armed ? armed.dataset.id : null;
  const rows = sessions.map((s) => {
    let action = null;
    if (s.member !== null) {
      action = el('button', { cls: 'danger', text: 'Kill', title: `Ask ${s.member} to delete this allocation now` });
      action.type = 'button'; action.dataset.id = s.id;
      if (s.id === armedId) { action.classList.add('armed'); action.textContent = 'Confirm kill'; }
      action.addEventListener('click', () => killFleetSession(action, s));
    }
    const tr = el('tr', {}, td(s.member || '(not a member)', s.member ? 'mono' : 'small'), td(s.user || '(no auth)', 'user'), td(s.realm),
      td(s.status), td(s.type || '—'), td(s.remote || '—', 'mono'), td(s.local || '—', 'mono'),
      td(s.lifetime === undefined ? '—' : duration(s.lifetime), 'num'),
      td(s.expiresIn < 0 ? '—' : duration(s.expiresIn), `num${s.expiresIn >= 0 && s.expiresIn < 60 ? ' soon' : ''}`),
      el('td', {}, action));
    tr.dataset.id = s.id;
    return tr;
  });
  body.replaceChildren(...rows);
  $('fleet-sessions-empty').hidden = rows.length > 0;
}

/** Reads GET /fleet and renders both tables. */
async function loadFleet() {
  const data = await api('GET', '/fleet');
  renderMembers(data.members, data.now);
  const sessions = data.sessions || [];
  renderFleetSessions(sessions);
  $('fleet-sessions-empty').textContent = data.sessions === null ? 'No redis-statsdb configured: sessions are not listed.' : 'No sessions in redis-statsdb.';
  $('fleet-count').textContent = `${data.members.length} member${data.members.length === 1 ? '' : 's'} · ${sessions.length} session${sessions.length === 1 ? '' : 's'}`;
}

async function killFleetSession(button, s) {
  if (!confirmKill(button)) return;
  button.disabled = true;
  try {
    await api('DELETE', `/fleet/sessions/${encodeURIComponent(s.id)}`);
    button.textContent = 'Killing…';
  } catch (err) { banner(`Could not kill ${s.user}'s session on ${s.member}: ${err.message}`); }
}
