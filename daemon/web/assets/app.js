// bedtimed's page: plain JavaScript, no build step. Every URL is relative, so
// the page works under any path prefix (Home Assistant ingress, a proxy).
'use strict';
const csrf = document.querySelector('meta[name=csrf]').content;
let state = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined)
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
// Times are shown in the house's zone (state.timezone) or a sleeper's own
// (s.timezone), which the server knows, never in the browser's: a phone
// abroad or a laptop set to UTC shows the bedroom's clock.
function zoneOf(sleeper) {
  const s = state && (state.sleepers || []).find(x => x.name === sleeper);
  return (s && s.timezone) || (state && state.timezone) || undefined;
}
function localTime(iso, zone) {
  if (!iso) return '—';
  const opts = {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    timeZone: zone || (state && state.timezone) || undefined};
  try {
    return new Date(iso).toLocaleString([], opts);
  } catch (e) {  // a zone this browser's Intl does not know: its own, marked
    delete opts.timeZone;
    return new Date(iso).toLocaleString([], opts) + ' (browser time)';
  }
}
// A datetime-local value ("2026-11-02T03:10"), read as a wall time in `zone`, as UTC ISO 8601.
function zonedToIso(local, zone) {
  const [d, t] = local.split('T');
  const [y, mo, da] = d.split('-').map(Number);
  const [h, mi] = t.split(':').map(Number);
  const wanted = Date.UTC(y, mo - 1, da, h, mi);
  const offsetAt = ms => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {timeZone: zone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'})
      .formatToParts(new Date(ms)).map(x => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute) - ms;
  };
  let at = wanted - offsetAt(wanted);
  at = wanted - offsetAt(at);  // once more, for a DST change between the guess and the answer
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}
function toast(text, bad) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = bad ? 'bad shown' : 'shown';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = ''; }, 5000);
}
async function getJson(path) {
  const r = await fetch(path, {credentials: 'same-origin'});
  if (!r.ok) throw new Error(path + ': ' + r.status);
  return r.json();
}
// A verb of the command table, through the same dispatcher as MQTT and bedtimectl.
async function cmd(verb, body) {
  const r = await fetch('api/cmd/' + verb, {
    method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
    body: JSON.stringify(body || {})});
  let reply;
  try { reply = await r.json(); } catch (e) { reply = {ok: false, error: r.status + ' ' + r.statusText}; }
  toast(reply.ok ? verb.replace('_', ' ') + ': done' : verb + ': ' + reply.error, !reply.ok);
  refresh();
  return reply;
}

// ---- Tonight ---------------------------------------------------------------
function heatLine(s) {
  const pad = (state.pads || []).find(p => p.name === s.heating_pad);
  if (!pad) return el('p', {class: 'heat'}, 'No heating pad');
  let left = '';
  if (pad.on && pad.off_at) {
    const min = Math.max(0, Math.round((new Date(pad.off_at) - new Date(state.now)) / 60000));
    left = ', ' + min + ' min left';
  }
  return el('p', {class: 'heat ' + (pad.on ? 'on' : 'off')},
    'Heat ' + (pad.on ? 'ON' : 'off') + left + ' · device cap: ' + pad.cap +
    (pad.manual_off_tonight ? ' · switched off by hand tonight' : ''));
}
function stepState(s, step) {
  // A reminder kept back by quiet hours shows as held (the desk counts them per sleeper).
  if (step.state === 'pending' && s.held_reminders > 0 && new Date(step.at) <= new Date(state.now)) return 'held';
  return step.state;
}
function logForm(s) {
  const f = el('form', {class: 'quick-log', 'aria-label': 'Log a cramp for ' + s.name},
    el('label', {}, 'Muscle ', el('input', {name: 'muscle', value: 'calf', maxlength: 40})),
    el('label', {}, 'Side ', el('select', {name: 'side'}, el('option', {}, 'left'), el('option', {}, 'right'), el('option', {}, 'both'))),
    el('label', {}, 'Severity ', el('input', {name: 'severity', type: 'number', min: 0, max: 10, value: 5})),
    el('button', {type: 'submit', class: 'log-cramp'}, 'Log a cramp'));
  f.addEventListener('submit', ev => {
    ev.preventDefault();
    const d = new FormData(f);
    cmd('log', {sleeper: s.name, muscle: d.get('muscle'), side: d.get('side'), severity: Number(d.get('severity'))});
  });
  return f;
}
function sleeperCard(s) {
  const plan = s.plan || {};
  const steps = (plan.steps || []).map(step => {
    const st = stepState(s, step);
    return el('li', {class: 'step ' + st}, el('span', {class: 'when'}, localTime(step.at, s.timezone)), ' ', step.id, ' ', el('span', {class: 'state'}, st));
  });
  return el('article', {class: 'card', 'data-sleeper': s.name},
    el('h2', {}, s.name),
    el('p', {}, 'Tier ' + s.stats.tier + (s.stats.tier_override !== 'auto' ? ' (set by hand)' : '') +
      ' · tonight ' + s.stats.tonight + ' · last 7 days ' + s.stats.last_7_days + ' · trend ' + s.stats.trend),
    s.stats.notice ? el('p', {class: 'notice'}, 'Notice: ' + s.stats.notice) : null,
    el('p', {}, plan.bedtime_local ? 'Bedtime ' + plan.bedtime_local + (plan.enabled === false ? ' · routine off' : '') : 'No plan tonight'),
    profileLine(s),
    el('ol', {class: 'timeline', 'aria-label': 'Tonight\'s plan'}, steps),
    heatLine(s),
    el('div', {class: 'actions'},
      el('button', {class: 'start-routine', onclick: () => cmd('start_routine', {sleeper: s.name})}, 'Start the routine')),
    logForm(s),
    checkinBox(s));
}
// The profile in force tonight (routine/life.hpp): its name, why, and until when.
function profileLine(s) {
  const p = s.profile;
  if (!p || !p.name) return null;
  return el('p', {class: 'profile'}, 'Profile ', el('strong', {}, p.name),
    p.why ? ' · ' + p.why : '', p.until ? ' · until ' + localTime(p.until, s.timezone) : '');
}
// The morning check-in: the question and its three answers while the night is
// open; each button sends the checkin verb (the same dispatcher as the rest).
function checkinBox(s) {
  const c = s.checkin;
  if (!c) return null;
  const said = c.answer ? 'Answered: ' + c.answer_label + ' (' + localTime(c.answered_at, s.timezone) + ', ' + c.channel + ')' : null;
  if (!c.open) return said ? el('p', {class: 'checkin answered'}, 'Check-in for the night of ' + c.night + ': ' + said) : null;
  return el('div', {class: 'checkin', role: 'group', 'aria-label': 'Morning check-in for the night of ' + c.night},
    el('p', {}, el('strong', {}, c.title), ' ' + c.question + ' (the night of ' + c.night + ')'),
    el('div', {class: 'actions'}, c.answers.map(a => el('button', {
      class: 'checkin-answer', 'data-answer': a.answer, 'aria-pressed': c.answer === a.answer ? 'true' : 'false',
      onclick: () => cmd('checkin', {sleeper: s.name, night: c.night, answer: a.answer, channel: 'web'})}, a.label))),
    said ? el('p', {class: 'answered'}, said) : null);
}
function renderTonight() {
  const box = document.getElementById('sleepers');
  box.replaceChildren(...state.sleepers.map(sleeperCard));
  if (!state.sleepers.length) box.textContent = 'No sleepers configured.';
}

// ---- Log -------------------------------------------------------------------
function episodeRow(e) {
  const key = {source: e.source, source_id: e.source_id};
  const del = el('button', {class: 'delete'}, 'Delete');
  del.addEventListener('click', () => {
    if (del.dataset.armed) return cmd('delete', key);
    del.dataset.armed = '1';
    del.textContent = 'Really delete?';
  });
  const row = el('tr', {'data-id': e.source + '/' + e.source_id},
    el('td', {class: 'start'}, localTime(e.start, zoneOf(e.sleeper))), el('td', {}, e.sleeper), el('td', {}, Math.round(e.duration_s) + ' s'),
    el('td', {}, e.muscle), el('td', {}, e.side), el('td', {}, e.severity === null ? '—' : e.severity),
    el('td', {class: 'status ' + e.status}, e.status.replace('_', ' ')),
    el('td', {class: 'row-actions'},
      el('button', {class: 'confirm', onclick: () => cmd('confirm', key)}, 'Confirm'),
      el('button', {class: 'false-positive', onclick: () => cmd('false_positive', key)}, 'False positive'),
      el('button', {class: 'edit', onclick: () => editRow(row, e)}, 'Edit'), del));
  return row;
}
function editRow(row, e) {
  const f = el('form', {class: 'episode-form'},
    el('label', {}, 'Duration (s) ', el('input', {name: 'duration_s', type: 'number', min: 0, max: 86400, value: e.duration_s})),
    el('label', {}, 'Muscle ', el('input', {name: 'muscle', value: e.muscle, maxlength: 40})),
    el('label', {}, 'Severity ', el('input', {name: 'severity', type: 'number', min: 0, max: 10, value: e.severity === null ? '' : e.severity})),
    el('label', {}, 'Notes ', el('input', {name: 'notes', value: e.notes, maxlength: 1000})),
    el('button', {type: 'submit'}, 'Save'));
  f.addEventListener('submit', ev => {
    ev.preventDefault();
    const d = new FormData(f);
    const body = {source: e.source, source_id: e.source_id, duration_s: Number(d.get('duration_s')), muscle: d.get('muscle'), notes: d.get('notes')};
    if (d.get('severity') !== '') body.severity = Number(d.get('severity'));
    cmd('edit', body).then(loadLog);
  });
  row.replaceChildren(el('td', {colspan: 8}, f));
  f.querySelector('input').focus();
}
async function loadLog() {
  const q = new URLSearchParams(new FormData(document.getElementById('log-filter')));
  const data = await getJson('api/episodes?' + q.toString());
  document.querySelector('#episodes tbody').replaceChildren(...data.episodes.map(episodeRow));
  renderCheckins(data.checkins || []);
}
function renderCheckins(rows) {
  document.querySelector('#checkins tbody').replaceChildren(...rows.map(c => el('tr', {'data-night': c.sleeper + '/' + c.night},
    el('td', {}, c.night), el('td', {}, c.sleeper), el('td', {class: 'answer'}, c.answer_label),
    el('td', {}, localTime(c.answered_at, zoneOf(c.sleeper))), el('td', {class: 'channel'}, c.channel))));
  document.getElementById('no-checkins').hidden = rows.length > 0;
}

// ---- Charts ----------------------------------------------------------------
function renderCharts() {
  const box = document.getElementById('charts');
  const want = state.sleepers.map(s => s.name).join(',');
  renderExperiments();
  if (box.dataset.sleepers === want) return;
  box.dataset.sleepers = want;
  box.replaceChildren(...state.sleepers.map(s => el('figure', {},
    el('img', {src: 'charts/' + encodeURIComponent(s.name) + '.svg', alt: 'Cramps of ' + s.name + ' over 8 weeks and by time of night'}),
    el('figcaption', {}, s.name + ': nights over 8 weeks, time of night'))));
}
function fixed(v, digits) { return v === null || v === undefined ? '—' : Number(v).toFixed(digits); }
// The experiment's result per arm (cramplog/experiment_report.hpp): what the
// numbers show about these nights, with its uncertainty; never a claim of treatment.
function experimentBlock(s) {
  const x = s.experiment;
  if (!x) return el('p', {class: 'experiment none'}, s.name + ': no experiment started (bedtimectl experiment start).');
  const arm = (name, a) => el('tr', {}, el('th', {scope: 'row'}, name), el('td', {}, a.nights),
    el('td', {}, a.nights_with_cramp), el('td', {}, a.cramps), el('td', {}, fixed(a.rate_per_night, 2)));
  const rr = x.rate_ratio;
  const label = x.interim ? 'Interim: ' + x.nights_done + ' of ' + x.planned_nights + ' nights, the numbers can still change'
    : 'Final: all ' + x.planned_nights + ' planned nights';
  return el('div', {class: 'experiment', 'data-sleeper': s.name},
    el('h3', {}, s.name + ': experiment on ' + x.step + ' (' + x.status + ', from the night of ' + x.first_night + ')'),
    el('p', {class: 'interim'}, label + (x.tonight ? ' · tonight: ' + (x.tonight === 'with' ? 'with the step' : 'without the step') : '')),
    el('table', {}, el('caption', {}, 'Nights by arm (assigned at random)'),
      el('thead', {}, el('tr', {}, el('th', {}, 'Arm'), el('th', {}, 'Nights'), el('th', {}, 'Nights with a cramp'),
        el('th', {}, 'Cramps'), el('th', {}, 'Cramps per night'))),
      el('tbody', {}, arm('With the step', x.with), arm('Without the step', x.without))),
    el('dl', {},
      el('dt', {}, 'Rate ratio (with ÷ without)'),
      el('dd', {class: 'rate-ratio'}, rr && rr.estimate !== null ? fixed(rr.estimate, 2) + ' (95% interval ' + fixed(rr.lower_95, 2) + ' to ' + fixed(rr.upper_95, 2) + ')' : 'not yet: too few nights'),
      el('dt', {}, 'Probability the rate is lower on nights with the step'),
      el('dd', {class: 'probability'}, Math.round(100 * x.probability_step_lowers) + '%')),
    x.excluded.length ? el('p', {}, 'Left out: ' + x.excluded.join('; ')) : null,
    el('p', {class: 'result-text'}, x.text));
}
// "What helps": nights with and without each step, descriptive only.
function whatHelpsBlock(s) {
  const w = s.what_helps || {steps: []};
  const body = w.steps.map(c => el('tr', {}, el('th', {scope: 'row'}, c.label), el('td', {}, c.nights_with),
    el('td', {}, fixed(c.rate_with, 1)), el('td', {}, c.nights_without), el('td', {}, fixed(c.rate_without, 1)),
    el('td', {}, c.caution ? 'few nights, read with care' : '')));
  return el('table', {class: 'what-helps', 'data-sleeper': s.name},
    el('caption', {}, s.name + ': what helps, descriptive (the last ' + w.nights + ' nights; it compares these nights and does not show what caused a difference)'),
    el('thead', {}, el('tr', {}, el('th', {}, 'Step'), el('th', {}, 'Nights done'), el('th', {}, 'Cramps per night'),
      el('th', {}, 'Nights not done'), el('th', {}, 'Cramps per night'), el('th', {}, 'Note'))),
    el('tbody', {}, body.length ? body : el('tr', {}, el('td', {colspan: 6}, 'No step acknowledged with Done in these nights yet.'))));
}
function renderExperiments() {
  document.getElementById('experiments').replaceChildren(
    ...state.sleepers.flatMap(s => [experimentBlock(s), whatHelpsBlock(s)]));
}

// ---- Devices and health ----------------------------------------------------
function renderDevices() {
  const h = state.health;
  document.getElementById('health').replaceChildren(
    ...[['Status', h.status], ['Broker', h.connected ? 'connected' : 'not connected'],
        ['Loop', h.loop_alive ? 'alive' : 'stuck'], ['Cramp log', h.store_writable ? 'writable' : 'NOT writable'],
        ['Safe mode', h.safe_mode ? 'ON' : 'off'], ['Next', state.next || 'nothing planned'],
        ['Times shown in', state.timezone], ['Version', state.version]]
      .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  // Each actuator: last seen, stale, confirmed, power (Actuators::devices_json).
  const seen = d => d.reports ? localTime(d.last_seen) : 'does not report';
  const health = d => [el('td', {class: 'last-seen'}, seen(d)),
    el('td', {class: 'confirmed ' + (d.confirmed ? '' : 'bad')}, d.confirmed ? 'yes' : 'awaited'),
    el('td', {class: 'stale ' + (d.stale ? 'bad' : '')}, d.stale ? 'stale' : 'fresh')];
  document.querySelector('#pads tbody').replaceChildren(...state.pads.map(p => el('tr', {'data-name': p.name},
    el('td', {}, p.name), el('td', {class: p.on ? 'on' : 'off'}, p.on ? 'on' : 'off'), el('td', {}, localTime(p.off_at)),
    el('td', {}, p.cap + (p.cap_method ? ' (' + p.cap_method + ')' : '')),
    el('td', {class: 'power'}, p.power_w === null ? '—' : p.power_w + ' W'), el('td', {}, p.origin), ...health(p))));
  document.querySelector('#beds tbody').replaceChildren(...state.beds.map(b => el('tr', {'data-name': b.name},
    el('td', {}, b.name), el('td', {}, b.integration), el('td', {}, b.position === null ? '—' : b.position + ' %'),
    el('td', {class: 'power'}, '—'), ...health(b))));
  document.getElementById('no-beds').hidden = state.beds.length > 0;
  document.querySelector('#sensors tbody').replaceChildren(...state.sensors.map(s => el('tr', {},
    el('td', {}, s.name), el('td', {}, s.value === null ? '—' : s.value), el('td', {class: 'last-seen'}, localTime(s.last_seen)),
    el('td', {class: s.stale ? 'bad' : ''}, s.stale ? 'stale' : 'fresh'))));
  document.getElementById('wearables').replaceChildren(...state.wearables.map(w => el('li', {}, w.name + ' on ' + w.topic)));
  document.querySelector('#counters tbody').replaceChildren(...Object.entries(state.counters).map(([k, v]) =>
    el('tr', {}, el('th', {scope: 'row'}, k.replaceAll('_', ' ')), el('td', {}, v))));
}

// ---- Setup: what the house announces (read-only) ---------------------------------
// The same inventory as `bedtimectl setup --list --json`, from a short scan
// of the retained announcements the daemon makes only when asked.
async function postJson(path) {
  const r = await fetch(path, {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: '{}'});
  return r.json().catch(() => ({ok: false, error: r.status + ' ' + r.statusText}));
}
async function scanDiscovery() {
  const reply = await postJson('api/discovery/scan');
  if (!reply.ok) toast('scan: ' + reply.error, true);
  return loadDiscovery();
}
async function loadDiscovery() {
  const d = await getJson('api/discovery');
  const status = document.getElementById('discovery-status');
  if (d.state === 'never') return scanDiscovery();
  const inv = d.inventory || {devices: [], skipped: []};
  status.textContent = d.state === 'listening' ? 'Listening to the broker for ' + d.listen_s + ' s…'
    : inv.devices.length + ' usable devices in ' + d.messages + ' announcements, ' + localTime(d.at) +
      (d.dropped ? ' (' + d.dropped + ' announcements over the size limit left out)' : '');
  document.querySelector('#discovered tbody').replaceChildren(...inv.devices.map(x => el('tr', {'data-id': x.id},
    el('td', {}, x.id), el('td', {}, x.name), el('td', {class: 'role'}, x.role.replace('_', ' ')),
    el('td', {class: 'ecosystem'}, x.ecosystem), el('td', {}, x.model),
    el('td', {}, x.integration || (x.topic + (x.json ? ' .' + x.json : ''))),
    el('td', {}, [...x.notes, ...(x.values.length ? ['values: ' + x.values.join(', ')] : [])].join('; ')))));
  document.getElementById('not-used').replaceChildren(...inv.skipped.map(t => el('li', {}, t)));
  document.getElementById('discovery-page').dataset.state = d.state;
}

// ---- Navigation, refresh, live updates ---------------------------------------
function page() { return (location.hash || '#tonight').slice(1); }
function show() {
  const p = page();
  for (const s of document.querySelectorAll('section[data-page]')) s.hidden = s.dataset.page !== p;
  for (const a of document.querySelectorAll('nav a')) a.setAttribute('aria-current', a.dataset.page === p ? 'page' : 'false');
  if (p === 'log') loadLog().catch(e => toast(e.message, true));
  if (p === 'setup') loadDiscovery().catch(e => toast(e.message, true));
}
async function refresh() {
  try {
    state = await getJson('api/state');
  } catch (e) { return toast(e.message, true); }
  for (const sel of document.querySelectorAll('.sleeper-select')) {
    const keep = sel.value, all = sel.querySelector('option[value=""]');
    sel.replaceChildren(...(all ? [all] : []), ...state.sleepers.map(s => el('option', {}, s.name)));
    sel.value = keep || (all ? '' : (state.sleepers[0] || {}).name || '');
  }
  renderTonight(); renderCharts(); renderDevices();
  if (page() === 'log') loadLog().catch(() => {});
  document.body.dataset.loaded = '1';
}
function live() {
  const badge = document.getElementById('live');
  const es = new EventSource('events');
  let pending = null;
  es.addEventListener('open', () => { badge.textContent = 'live'; badge.className = 'live on'; });
  es.addEventListener('error', () => { badge.textContent = 'offline'; badge.className = 'live'; });
  es.addEventListener('update', ev => {
    let what = '';
    try { what = JSON.parse(ev.data).what; } catch (e) { /* an old daemon's event */ }
    if (what === 'discovery') return void loadDiscovery().catch(() => {});
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 150);
  });
}
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('all-heat-off').addEventListener('click', () => cmd('pad_off', {}));
  document.getElementById('scan-again').addEventListener('click', () => scanDiscovery().catch(e => toast(e.message, true)));
  document.getElementById('log-filter').addEventListener('submit', ev => { ev.preventDefault(); loadLog(); });
  document.getElementById('add-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const d = new FormData(ev.target);
    const body = {sleeper: d.get('sleeper'), duration_s: Number(d.get('duration_s')), muscle: d.get('muscle'), side: d.get('side'), notes: d.get('notes')};
    if (d.get('start')) body.start = zonedToIso(d.get('start'), zoneOf(d.get('sleeper')));
    if (d.get('severity') !== '') body.severity = Number(d.get('severity'));
    cmd('log', body).then(loadLog);
  });
  window.addEventListener('hashchange', show);
  show(); refresh(); live();
});
