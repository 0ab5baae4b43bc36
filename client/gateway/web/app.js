// The Sweep dashboard: a single page over the gateway's HTTP API (docs/HTTP.md). Plain ES module,
// no build step; Chart.js comes from Debian's libjs-chart.js as the global `Chart`.
//
// Views (hash routes): #/ jobs list, #/new the job form, #/<kind>s/<id> one job. A view's timers
// are cleared when the route changes; a job page polls status every second while the job is not
// terminal and stops when it is.

import { walkForwardPanel, holdoutPanel } from './walk_forward.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const POLL_MS = 1000;
const LIST_POLL_MS = 2000;
const HEALTH_POLL_MS = 5000;
const TRIALS_PAGE = 50;
const HEATMAP_MAX_TRIALS = 20000;

// Metric key, label, format. Order is the order of the metrics table.
const METRICS = [
  ['final_equity', 'Final equity', 'money'], ['peak_equity', 'Peak equity', 'money'],
  ['return_pct', 'Return', 'pct'], ['buy_hold_return_pct', 'Buy & hold return', 'pct'],
  ['return_ann_pct', 'Return (ann.)', 'pct'], ['volatility_ann_pct', 'Volatility (ann.)', 'pct'],
  ['sharpe', 'Sharpe ratio', 'ratio'], ['sortino', 'Sortino ratio', 'ratio'],
  ['calmar', 'Calmar ratio', 'ratio'], ['max_drawdown_pct', 'Max drawdown', 'pct'],
  ['avg_drawdown_pct', 'Avg drawdown', 'pct'], ['max_drawdown_days', 'Max drawdown duration', 'days'],
  ['avg_drawdown_days', 'Avg drawdown duration', 'days'], ['exposure_pct', 'Exposure time', 'pct'],
  ['trades', 'Trades', 'int'], ['win_rate_pct', 'Win rate', 'pct'],
  ['best_trade_pct', 'Best trade', 'pct'], ['worst_trade_pct', 'Worst trade', 'pct'],
  ['avg_trade_pct', 'Avg trade', 'pct'], ['max_trade_days', 'Max trade duration', 'days'],
  ['avg_trade_days', 'Avg trade duration', 'days'], ['profit_factor', 'Profit factor', 'ratio'],
  ['expectancy_pct', 'Expectancy', 'pct'], ['sqn', 'SQN', 'ratio'],
];
const METRIC_INFO = Object.fromEntries(METRICS.map(([k, label, f]) => [k, { label, f }]));
const TRIAL_COLUMNS = ['return_pct', 'sharpe', 'max_drawdown_pct', 'win_rate_pct', 'trades'];

const state = {
  token: localStorage.getItem('sweep.token') || '',
  view: 0,          // bumped on every route change; async work of an old view stops
  timers: [],
  catalog: null,    // {strategies, metrics}
  charts: [],
};

// ---------------------------------------------------------------------------------------------
// DOM and formatting helpers.

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const money = (v) => isNum(v)
  ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—';
const pct = (v) => isNum(v) ? `${v.toFixed(2)}%` : '—';
const ratio = (v) => isNum(v) ? v.toFixed(3) : '—';
const int = (v) => isNum(v) ? Math.round(v).toLocaleString('en-US') : '—';
const days = (v) => isNum(v) ? `${v.toFixed(v < 10 ? 1 : 0)} d` : '—';

function fmtMetric(key, v) {
  const f = (METRIC_INFO[key] || { f: 'ratio' }).f;
  return { money, pct, ratio, int, days }[f](v);
}
// A table cell for a metric, coloured by sign where the sign means something.
function metricCell(key, v) {
  const signed = ['return_pct', 'buy_hold_return_pct', 'return_ann_pct', 'sharpe', 'sortino',
    'calmar', 'best_trade_pct', 'worst_trade_pct', 'avg_trade_pct', 'expectancy_pct', 'sqn'];
  const cls = signed.includes(key) && isNum(v) ? (v > 0 ? 'num pos' : v < 0 ? 'num neg' : 'num') : 'num';
  return h('td', { class: cls }, fmtMetric(key, v));
}
function duration(s) {
  if (!isNum(s)) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} m`;
}
function when(ms) {
  if (!isNum(ms)) return '—';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
const badge = (s) => h('span', { class: `badge ${s}`, 'data-status': s }, s);
const shortId = (id) => (id.length > 20 ? `${id.slice(0, 20)}…` : id);
const paramsText = (p) => Object.entries(p || {}).map(([k, v]) => `${k}=${v}`).join('  ');

function progressBar(fraction, failedFraction = 0, big = false) {
  const ok = Math.max(0, Math.min(1, fraction - failedFraction));
  return h('div', { class: big ? 'progress big' : 'progress', role: 'progressbar',
    'aria-valuenow': Math.round(fraction * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 },
  h('div', { class: 'bar', style: `width:${(ok * 100).toFixed(2)}%` }),
  h('div', { class: 'bar failed', style: `left:${(ok * 100).toFixed(2)}%;width:${(failedFraction * 100).toFixed(2)}%` }));
}

// ---------------------------------------------------------------------------------------------
// API.

class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_error';
    this.field = e.field || null;
  }
}

async function api(path, { method = 'GET', json, body, contentType } = {}) {
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (contentType) {
    headers['Content-Type'] = contentType;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: `gateway unreachable: ${e.message}` } });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: { message: text } }; }
  if (res.status === 401) document.getElementById('token-form').hidden = false;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

async function catalog() {
  if (!state.catalog) state.catalog = await api('/api/strategies');
  return state.catalog;
}

// ---------------------------------------------------------------------------------------------
// Views: routing, timers, banner.

function every(ms, fn) {
  const view = state.view;
  let stopped = false;
  const tick = async () => {
    if (stopped || view !== state.view) return;
    let again = true;
    try {
      again = (await fn()) !== false;
      if (document.getElementById('banner').classList.contains('error')) showBanner('');  // recovered
    } catch (e) {
      showBanner(e.message, true);  // e.g. the broker restarting: keep polling
    }
    if (again && !stopped && view === state.view) state.timers.push(setTimeout(tick, ms));
  };
  tick();
  return () => { stopped = true; };
}

function showBanner(text, error = false) {
  const b = document.getElementById('banner');
  b.textContent = text || '';
  b.hidden = !text;
  b.classList.toggle('error', error);
}

function route() {
  state.view += 1;
  state.timers.forEach(clearTimeout);
  state.timers = [];
  state.charts.forEach((c) => c.destroy());
  state.charts = [];
  showBanner('');
  const view = document.getElementById('view');
  view.replaceChildren();
  const hash = location.hash.replace(/^#/, '') || '/';
  const m = hash.match(/^\/(backtests|optimizations)\/([^/]+)$/);
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active',
    (a.dataset.nav === 'new' && hash === '/new') || (a.dataset.nav === 'jobs' && hash !== '/new')));
  if (hash === '/new') return newJobView(view);
  if (m) return jobView(view, m[1], decodeURIComponent(m[2]));
  return jobsView(view);
}

function clusterIndicator() {
  const el = document.getElementById('cluster');
  setInterval(update, HEALTH_POLL_MS);
  update();
  async function update() {
    try {
      const hl = await api('/api/health');
      const w = hl.broker.workers;
      const slots = w.reduce((a, x) => a + x.slots, 0);
      const busy = w.reduce((a, x) => a + x.busy, 0);
      el.replaceChildren(h('span', { class: 'dot ok' }),
        `${w.length} worker${w.length === 1 ? '' : 's'} · ${int(slots)} slots · ${int(busy)} busy · queue ${int(hl.broker.queue)}`);
    } catch (e) {
      el.replaceChildren(h('span', { class: 'dot down' }), e.status === 503 ? 'broker unavailable' : e.message);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs list.

function jobsView(root) {
  const body = h('tbody');
  const count = h('span', { class: 'muted' });
  const kindSel = h('select', { id: 'filter-kind' }, h('option', { value: '' }, 'all kinds'),
    h('option', { value: 'optimization' }, 'optimizations'), h('option', { value: 'backtest' }, 'backtests'));
  const statusSel = h('select', { id: 'filter-status' }, h('option', { value: '' }, 'any status'),
    ['queued', 'running', 'cancelling', 'completed', 'failed', 'cancelled'].map((st) => h('option', { value: st }, st)));
  let refresh = null;
  kindSel.addEventListener('change', () => refresh && refresh());
  statusSel.addEventListener('change', () => refresh && refresh());
  root.append(
    h('div', { class: 'row', style: 'justify-content:space-between;align-items:center;margin-bottom:12px' },
      h('div', {}, h('h1', {}, 'Jobs'), count),
      h('div', { class: 'inline' }, kindSel, statusSel,
        h('a', { class: 'button primary', href: '#/new', id: 'new-job-link' }, 'New job'))),
    h('div', { class: 'panel', style: 'padding:0' }, h('div', { class: 'table-wrap' },
      h('table', { id: 'jobs-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Job'), h('th', {}, 'Kind'), h('th', {}, 'Status'),
          h('th', { style: 'width:28%' }, 'Progress'), h('th', { class: 'num' }, 'Done'),
          h('th', { class: 'num' }, 'Failed'), h('th', { class: 'num' }, 'Total'),
          h('th', {}, 'Created'), h('th', {}, 'Finished'))),
        body))));
  let latest = 0;  // a slow answer to an older filter must not overwrite a newer one
  const load = async () => {
    const seq = ++latest;
    const q = new URLSearchParams({ limit: '100' });
    if (kindSel.value) q.set('kind', kindSel.value);
    if (statusSel.value) q.set('status', statusSel.value);
    const page = await api(`/api/jobs?${q}`);
    if (seq !== latest) return;
    count.textContent = `${page.total} job${page.total === 1 ? '' : 's'}${page.total > 100 ? ' (newest 100)' : ''}`;
    if (!page.jobs.length) {
      const filtered = kindSel.value || statusSel.value;
      body.replaceChildren(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, filtered ? 'No job matches the filters.'
        : ['No jobs yet. ', h('a', { href: '#/new' }, 'Start a backtest or an optimization'), '.'])));
      return;
    }
    body.replaceChildren(...page.jobs.map((j) => {
      const done = j.kind === 'backtest' && TERMINAL.has(j.status) ? j.total : j.completed + j.failed;
      const frac = j.total ? done / j.total : 0;
      const href = `#/${j.kind}s/${encodeURIComponent(j.id)}`;
      return h('tr', { class: 'click', 'data-id': j.id, onclick: () => { location.hash = href; } },
        h('td', {}, h('a', { href, class: 'mono' }, shortId(j.id))),
        h('td', {}, j.kind), h('td', {}, badge(j.status)),
        h('td', {}, progressBar(frac, j.total && j.kind === 'optimization' ? j.failed / j.total : 0)),
        h('td', { class: 'num' }, int(j.completed)), h('td', { class: 'num' }, int(j.failed)),
        h('td', { class: 'num' }, int(j.total)), h('td', {}, when(j.created_at)),
        h('td', {}, when(j.finished_at)));
    }));
  };
  refresh = () => load().catch((e) => showBanner(e.message, true));
  every(LIST_POLL_MS, load);
}

// ---------------------------------------------------------------------------------------------
// The job form.

function splitList(text) {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length);
}
function parseValue(p, text, field) {
  if (p.type === 'choice') return text;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new FormError(field, `${p.name}: '${text}' is not a number`);
  if (p.type === 'int' && !Number.isInteger(v)) throw new FormError(field, `${p.name}: '${text}' is not an integer`);
  return v;
}
class FormError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

async function newJobView(root) {
  const [cat, ds] = await Promise.all([catalog(), api('/api/datasets')]);
  const view = state.view;
  let kind = 'optimization';
  const err = h('div', { class: 'error-box', id: 'form-error', hidden: true });
  const paramsBox = h('div');
  const kindSeg = h('div', { class: 'seg', id: 'kind' });
  const strategySel = h('select', { name: 'strategy', id: 'strategy' },
    cat.strategies.map((s) => h('option', { value: s.name }, s.name)));
  const strategyDesc = h('div', { class: 'hint' });

  // Dataset: data-folder files, stored (uploaded) datasets, or synthetic bars.
  const datasetSel = h('select', { name: 'dataset', id: 'dataset' });
  const synthBars = h('input', { type: 'number', name: 'synthetic-bars', value: 100000, min: 1 });
  const synthSeed = h('input', { type: 'number', name: 'synthetic-seed', value: 7, min: 0 });
  const synthBox = h('div', { class: 'inline', hidden: true }, 'bars', synthBars, 'seed', synthSeed);
  const fileInput = h('input', { type: 'file', accept: '.csv,text/csv', id: 'upload-file' });
  const uploadMsg = h('div', { class: 'hint', id: 'upload-msg' });
  function fillDatasets(list, select) {
    const opt = (src, label) => h('option', { value: JSON.stringify(src) }, label);
    datasetSel.replaceChildren(
      h('optgroup', { label: 'Data folder' }, list.files.map((f) => opt(f.source, f.path))),
      h('optgroup', { label: 'Stored (uploaded or used by a job)' }, list.stored.map((d) =>
        opt(d.source, `${d.name} · ${int(d.bars)} bars · ${d.id.slice(0, 10)}`))),
      h('optgroup', { label: 'Generated' }, opt({ synthetic: null }, 'Synthetic random walk…')));
    if (select) datasetSel.value = JSON.stringify(select);
    synthBox.hidden = !datasetSel.value.includes('synthetic');
  }
  fillDatasets(ds, ds.files.length ? ds.files.find((f) => f.path === 'GOOG.csv')?.source || ds.files[0].source : null);
  datasetSel.addEventListener('change', () => { synthBox.hidden = !datasetSel.value.includes('synthetic'); });
  async function upload() {
    const file = fileInput.files[0];
    if (!file) { uploadMsg.textContent = 'Choose a CSV file first.'; return; }
    uploadMsg.textContent = `Uploading ${file.name}…`;
    try {
      const name = file.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128) || 'upload.csv';
      const d = await api(`/api/datasets?name=${encodeURIComponent(name)}`,
        { method: 'POST', body: await file.text(), contentType: 'text/csv' });
      fillDatasets(await api('/api/datasets'), d.source);
      uploadMsg.textContent = `Stored ${d.name}: ${int(d.bars)} bars, ${when(d.first_ts)} – ${when(d.last_ts)}.`;
    } catch (e) {
      uploadMsg.textContent = e.message;
    }
  }

  const metricSel = h('select', { name: 'objective' }, cat.metrics.map((m) =>
    h('option', { value: m }, (METRIC_INFO[m] || { label: m }).label)));
  metricSel.value = 'sharpe';
  const goalSel = h('select', { name: 'goal' }, h('option', { value: 'maximize' }, 'maximize'),
    h('option', { value: 'minimize' }, 'minimize'));
  const constraint = h('input', { type: 'text', name: 'constraint', placeholder: 'e.g. fast < slow', style: 'width:100%' });
  const methodSel = h('select', { name: 'method' }, h('option', { value: 'grid' }, 'grid (every combination)'),
    h('option', { value: 'random' }, 'random sample'),
    h('option', { value: 'tpe' }, 'adaptive (TPE)'));
  // n and seed serve both random and tpe; startup and batch are tpe's (docs/SEARCH.md).
  const randomN = h('input', { type: 'number', name: 'random-n', value: 200, min: 1 });
  const randomSeed = h('input', { type: 'number', name: 'random-seed', value: 1, min: 0 });
  const tpeStartup = h('input', { type: 'number', name: 'tpe-startup', value: 10, min: 1 });
  const tpeBatch = h('input', { type: 'number', name: 'tpe-batch', value: 8, min: 1 });
  const tpeBox = h('span', { class: 'inline', hidden: true }, 'startup', tpeStartup, 'batch', tpeBatch);
  const randomBox = h('span', { class: 'inline', hidden: true }, 'n', randomN, 'seed', randomSeed, tpeBox);
  randomN.addEventListener('input', () => updateCount());
  methodSel.addEventListener('change', () => {
    randomBox.hidden = methodSel.value === 'grid';
    tpeBox.hidden = methodSel.value !== 'tpe';
    updateCount();
  });
  const cash = h('input', { type: 'number', name: 'cash', value: 10000, min: 0, step: 'any' });
  const commission = h('input', { type: 'number', name: 'commission', value: 0, min: 0, step: 'any' });
  const topK = h('input', { type: 'number', name: 'top_k', value: 10, min: 1 });
  // Stop on target (docs/SEARCH.md): empty runs every trial.
  const stopValue = h('input', { type: 'number', name: 'target-value', step: 'any', placeholder: 'run every trial' });
  // Out of sample (docs/WALK_FORWARD.md): walk-forward windows or a holdout of the last bars, or
  // neither (both empty). The spec takes one or the other, so filling both is an error at once.
  const barsInput = (id) => h('input', { type: 'number', id, name: id, min: 1, step: 1, placeholder: 'bars',
    oninput: () => { checkOutOfSample(); updateCount(); } });
  const wfTrain = barsInput('wf-train');
  const wfTest = barsInput('wf-test');
  const wfAnchored = h('input', { type: 'checkbox', id: 'wf-anchored', name: 'wf-anchored' });
  const holdoutBars = barsInput('holdout-bars');
  holdoutBars.placeholder = 'none';
  const oosError = h('div', { class: 'error-box', id: 'oos-error', hidden: true });
  const trialCount = h('div', { class: 'hint', id: 'trial-count' });
  const submitBtn = h('button', { class: 'primary', type: 'submit', id: 'submit-btn' }, 'Start optimization');

  const optOnly = [];
  const optField = (el) => { optOnly.push(el); return el; };

  // One row per parameter: a fixed value (backtest), or fixed / range / list (optimization).
  let rows = [];
  function renderParams() {
    const s = cat.strategies.find((x) => x.name === strategySel.value);
    strategyDesc.textContent = s.description;
    rows = s.params.map((p) => paramRow(p));
    paramsBox.replaceChildren(h('table', { class: 'params' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), h('th', {}, 'Allowed'),
        h('th', {}, kind === 'optimization' ? 'Sweep' : ''), h('th', {}, 'Value(s)'))),
      h('tbody', {}, rows.map((r) => r.tr))));
    updateCount();
  }
  function paramRow(p) {
    const field = `spec.${kind === 'optimization' ? 'space' : 'params'}.${p.name}`;
    const allowed = p.type === 'choice' ? p.choices.join(' | ')
      : `${p.type} ${p.min} … ${p.max} (default ${p.default})`;
    const step = p.type === 'int' ? 1 : 'any';
    const num = (name, value) => h('input', { type: 'number', name: `${name}-${p.name}`, value, step,
      min: p.min, max: p.max, oninput: updateCount });
    if (p.type === 'choice') {
      if (kind === 'backtest') {
        const sel = h('select', { name: `value-${p.name}` }, p.choices.map((c) => h('option', { value: c }, c)));
        sel.value = p.default;
        return { tr: h('tr', { 'data-field': field }, h('td', {}, h('b', {}, p.name)), h('td', { class: 'muted' }, allowed), h('td'), h('td', {}, sel)),
          value: () => sel.value, count: () => 1 };
      }
      const boxes = p.choices.map((c) => h('input', { type: 'checkbox', name: `choice-${p.name}`, value: c,
        checked: c === p.default, onchange: updateCount }));
      return { tr: h('tr', { 'data-field': field }, h('td', {}, h('b', {}, p.name)), h('td', { class: 'muted' }, allowed), h('td', {}, 'any of'),
        h('td', { class: 'inline' }, p.choices.map((c, i) => h('label', { class: 'inline', style: 'font-weight:400;color:inherit' }, boxes[i], c)))),
      value: () => {
        const v = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!v.length) throw new FormError(field, `${p.name}: tick at least one value`);
        return v;
      },
      count: () => Math.max(1, boxes.filter((b) => b.checked).length) };
    }
    if (kind === 'backtest') {
      const input = num('value', p.default);
      return { tr: h('tr', { 'data-field': field }, h('td', {}, h('b', {}, p.name)), h('td', { class: 'muted' }, allowed), h('td'), h('td', {}, input)),
        value: () => parseValue(p, input.value, field), count: () => 1 };
    }
    const mode = h('select', { name: `mode-${p.name}` }, h('option', { value: 'fixed' }, 'fixed'),
      h('option', { value: 'range' }, 'range'), h('option', { value: 'list' }, 'list'));
    const fixed = num('value', p.default);
    const start = num('start', p.default);
    const stop = num('stop', p.default);
    const stepIn = num('step', p.type === 'int' ? 1 : 0.1);
    const list = h('input', { type: 'text', name: `list-${p.name}`, placeholder: 'comma-separated, e.g. 10, 20, 40', oninput: updateCount });
    const boxes = { fixed: h('span', {}, fixed), range: h('span', { class: 'inline' }, start, '…', stop, 'step', stepIn), list: h('span', {}, list) };
    const cell = h('td', { class: 'inline' });
    const show = () => { cell.replaceChildren(boxes[mode.value]); updateCount(); };
    mode.addEventListener('change', show);
    cell.append(boxes.fixed);
    return {
      tr: h('tr', { 'data-field': field }, h('td', {}, h('b', {}, p.name)), h('td', { class: 'muted' }, allowed), h('td', {}, mode), cell),
      value: () => {
        if (mode.value === 'fixed') return [parseValue(p, fixed.value, field)];
        if (mode.value === 'list') {
          const v = splitList(list.value).map((t) => parseValue(p, t, field));
          if (!v.length) throw new FormError(field, `${p.name}: give at least one value`);
          return v;
        }
        return { start: parseValue(p, start.value, field), stop: parseValue(p, stop.value, field),
          step: parseValue(p, stepIn.value, field) };
      },
      count: () => {
        if (mode.value === 'fixed') return 1;
        if (mode.value === 'list') return Math.max(1, splitList(list.value).length);
        const a = Number(start.value), b = Number(stop.value), st = Number(stepIn.value);
        return st > 0 && b >= a ? Math.floor((b - a) / st + 1e-9) + 1 : 0;
      },
    };
  }
  function updateCount() {
    if (kind !== 'optimization') { trialCount.textContent = ''; return; }
    const n = rows.reduce((a, r) => a * r.count(), 1);
    const sampled = { random: 'random sample', tpe: 'adaptive search' }[methodSel.value];
    trialCount.textContent = (sampled
      ? `${sampled} of ${int(Number(randomN.value))} from a grid of ${int(n)} combinations (before the constraint)`
      : `${int(n)} combinations before the constraint`) +
      // The window count depends on the dataset's bars, which the form does not know.
      (wfTrain.value.trim() || wfTest.value.trim() ? '; walk-forward runs them once per window, plus one out-of-sample run per window' : '');
  }
  // Both filled: say so next to the inputs while they are typed, not only on submit.
  const OOS_BOTH = 'walk-forward and holdout: give one of the two (clear the walk-forward bars or the holdout bars)';
  function checkOutOfSample() {
    const both = (wfTrain.value.trim() !== '' || wfTest.value.trim() !== '') && holdoutBars.value.trim() !== '';
    oosError.textContent = both ? OOS_BOTH : '';
    oosError.hidden = !both;
    [wfTrain, wfTest, holdoutBars].forEach((el) => el.classList.toggle('invalid', both));
    return !both;
  }
  function outOfSample(s) {
    const train = wfTrain.value.trim(), test = wfTest.value.trim(), holdout = holdoutBars.value.trim();
    if (!checkOutOfSample()) throw new FormError('spec.holdout_bars', OOS_BOTH);
    const bars = (name, text, field) => {
      const v = parseValue({ name, type: 'int' }, text, field);
      if (v < 1) throw new FormError(field, `${name}: must be at least 1`);
      return v;
    };
    if (train || test) {
      if (!train || !test) {
        throw new FormError(`spec.walk_forward.${train ? 'test_bars' : 'train_bars'}`,
          'walk-forward: give both the train bars and the test bars');
      }
      s.walk_forward = { train_bars: bars('walk-forward train bars', train, 'spec.walk_forward.train_bars'),
        test_bars: bars('walk-forward test bars', test, 'spec.walk_forward.test_bars'), anchored: wfAnchored.checked };
    } else if (wfAnchored.checked) {
      throw new FormError('spec.walk_forward', 'anchored: only with walk-forward train and test bars');
    }
    if (holdout) s.holdout_bars = bars('holdout bars', holdout, 'spec.holdout_bars');
  }
  function setKind(k) {
    kind = k;
    kindSeg.querySelectorAll('button').forEach((b) => b.classList.toggle('on', b.dataset.kind === k));
    optOnly.forEach((el) => { el.hidden = k !== 'optimization'; });
    submitBtn.textContent = k === 'optimization' ? 'Start optimization' : 'Start backtest';
    renderParams();
  }
  kindSeg.append(
    h('button', { type: 'button', 'data-kind': 'optimization', onclick: () => setKind('optimization') }, 'Optimization'),
    h('button', { type: 'button', 'data-kind': 'backtest', onclick: () => setKind('backtest') }, 'Backtest'));
  strategySel.addEventListener('change', renderParams);

  function spec() {
    const s = { strategy: strategySel.value };
    const src = JSON.parse(datasetSel.value);
    s.dataset = 'synthetic' in src
      ? { synthetic: { bars: parseValue({ name: 'bars', type: 'int' }, synthBars.value, 'spec.dataset'),
        seed: parseValue({ name: 'seed', type: 'int' }, synthSeed.value, 'spec.dataset') } }
      : src;
    s.cash = parseValue({ name: 'cash', type: 'float' }, cash.value, 'spec.cash');
    s.commission = parseValue({ name: 'commission', type: 'float' }, commission.value, 'spec.commission');
    const values = {};
    const schema = cat.strategies.find((x) => x.name === s.strategy).params;
    schema.forEach((p, i) => { values[p.name] = rows[i].value(); });
    if (kind === 'backtest') {
      s.params = values;
      return s;
    }
    s.space = values;
    if (constraint.value.trim()) s.constraint = constraint.value.trim();
    const sample = () => ({ n: parseValue({ name: 'n', type: 'int' }, randomN.value, 'spec.method'),
      seed: parseValue({ name: 'seed', type: 'int' }, randomSeed.value, 'spec.method') });
    if (methodSel.value === 'grid') s.method = 'grid';
    else if (methodSel.value === 'random') s.method = { random: sample() };
    else {
      s.method = { tpe: { ...sample(),
        startup: parseValue({ name: 'startup', type: 'int' }, tpeStartup.value, 'spec.method'),
        batch: parseValue({ name: 'batch', type: 'int' }, tpeBatch.value, 'spec.method') } };
    }
    s.objective = { metric: metricSel.value, goal: goalSel.value };
    s.top_k = parseValue({ name: 'top_k', type: 'int' }, topK.value, 'spec.top_k');
    if (stopValue.value.trim() !== '') {
      s.stop = { value: parseValue({ name: 'stop value', type: 'float' }, stopValue.value, 'spec.stop') };
    }
    outOfSample(s);
    return s;
  }
  function markField(field) {
    root.querySelectorAll('.invalid').forEach((el) => el.classList.remove('invalid'));
    if (!field) return;
    let best = null;
    root.querySelectorAll('[data-field]').forEach((el) => {
      const f = el.dataset.field;
      if ((field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`)) &&
          (!best || f.length > best.dataset.field.length)) best = el;
    });
    if (best) best.querySelectorAll('input,select').forEach((el) => el.classList.add('invalid'));
  }
  async function submit(ev) {
    ev.preventDefault();
    err.hidden = true;
    markField(null);
    let body;
    try {
      body = spec();
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
      markField(e.field);
      checkOutOfSample();  // markField cleared both inputs' marks
      return;
    }
    submitBtn.disabled = true;
    try {
      const acc = await api(`/api/${kind}s`, { method: 'POST', json: body });
      if (view === state.view) location.hash = `#/${kind}s/${encodeURIComponent(acc.id)}`;
    } catch (e) {
      err.textContent = `${e.message}${e.field ? `  (field: ${e.field})` : ''}`;
      err.hidden = false;
      markField(e.field);
    } finally {
      submitBtn.disabled = false;
    }
  }

  const labeled = (text, el, attrs = {}) => h('div', { class: 'field', ...attrs }, h('label', {}, text), el);
  root.append(
    h('h1', {}, 'New job'),
    h('p', { class: 'muted', style: 'margin-top:0' }, 'A backtest runs one parameter set; an optimization runs every combination of the ranges you give (or a random sample), on the cluster\'s workers.'),
    h('form', { id: 'job-form', onsubmit: submit, novalidate: true },
      h('div', { class: 'grid-main' },
        h('div', {},
          h('div', { class: 'panel' },
            h('div', { class: 'row', style: 'align-items:flex-end' },
              labeled('Kind', kindSeg), labeled('Strategy', strategySel, { style: 'min-width:220px' })),
            strategyDesc),
          h('div', { class: 'panel' }, h('h2', {}, 'Parameters'), paramsBox, trialCount,
            optField(h('div', { class: 'field', 'data-field': 'spec.constraint', style: 'margin-top:12px' },
              h('label', {}, 'Constraint (optional)'), constraint,
              h('div', { class: 'hint' }, 'Comparisons over parameters with and / or, + - * /, numbers; trials that fail it are skipped.'))))),
        h('div', {},
          h('div', { class: 'panel' }, h('h2', {}, 'Data'),
            h('div', { class: 'field', 'data-field': 'spec.dataset' }, h('label', {}, 'Dataset'), datasetSel, synthBox),
            h('div', { class: 'field' }, h('label', {}, 'Or upload a CSV (Date, Open, High, Low, Close[, Volume])'),
              h('div', { class: 'inline' }, fileInput, h('button', { type: 'button', onclick: upload, id: 'upload-btn' }, 'Upload')),
              uploadMsg)),
          optField(h('div', { class: 'panel' }, h('h2', {}, 'Search'),
            h('div', { class: 'field', 'data-field': 'spec.objective' }, h('label', {}, 'Objective'), h('div', { class: 'inline' }, goalSel, metricSel)),
            h('div', { class: 'field', 'data-field': 'spec.method' }, h('label', {}, 'Method'), h('div', { class: 'inline' }, methodSel, randomBox)),
            h('div', { class: 'field', 'data-field': 'spec.top_k' }, h('label', {}, 'Keep full results of the top'), topK),
            h('div', { class: 'field', 'data-field': 'spec.stop' }, h('label', {}, 'Stop when the objective reaches (optional)'), stopValue,
              h('div', { class: 'hint' }, 'The job ends with the first trial, in trial order, that reaches it.')))),
          optField(h('div', { class: 'panel', id: 'oos-panel' }, h('h2', {}, 'Out of sample (optional)'),
            h('div', { class: 'field', 'data-field': 'spec.walk_forward' }, h('label', {}, 'Walk-forward windows'),
              h('div', { class: 'inline' },
                h('span', { 'data-field': 'spec.walk_forward.train_bars', class: 'inline' }, 'train', wfTrain),
                h('span', { 'data-field': 'spec.walk_forward.test_bars', class: 'inline' }, 'test', wfTest),
                h('label', { class: 'inline', style: 'font-weight:400;color:inherit;margin:0' }, wfAnchored, 'anchored')),
              h('div', { class: 'hint' }, 'Optimize on the train bars, trade the best on the next test bars, move on by the test bars; ' +
                'anchored: every window trains from the first bar.')),
            h('div', { class: 'field', 'data-field': 'spec.holdout_bars' }, h('label', {}, 'Or hold out the last bars'), holdoutBars,
              h('div', { class: 'hint' }, 'Optimize on the bars before them, then score the top trials on them.')),
            oosError)),
          h('div', { class: 'panel' }, h('h2', {}, 'Account'),
            h('div', { class: 'row' },
              h('div', { class: 'field', 'data-field': 'spec.cash' }, h('label', {}, 'Starting cash'), cash),
              h('div', { class: 'field', 'data-field': 'spec.commission' }, h('label', {}, 'Commission (fraction)'), commission))),
          err,
          h('div', { class: 'row' }, submitBtn)))));
  setKind('optimization');
}

// ---------------------------------------------------------------------------------------------
// One job.

// Label/value rows that flow into as many columns as the width allows.
function metricsTable(metrics, id) {
  return h('div', { class: 'metrics-grid', id }, METRICS.map(([k, label]) => {
    const cell = metricCell(k, metrics[k]);
    return h('div', { class: 'metric-row', 'data-metric': k }, h('span', { class: 'k' }, label),
      h('span', { class: cell.className }, cell.textContent));
  }));
}

// The bar dates of an equity curve's points (result.equity_time, ms since the epoch, UTC): days
// when every point is at midnight, else minutes. Without them (or of another length), positions.
function equityLabels(points, times) {
  if (!Array.isArray(times) || times.length !== points) return null;
  const daily = times.every((t) => t % 86400000 === 0);
  return times.map((t) => {
    const iso = new Date(t).toISOString();
    return daily ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  });
}

function equityChart(canvas, equity, cash, times) {
  const data = (equity || []).map((v) => (isNum(v) ? v : null));
  const dates = equityLabels(data.length, times);
  const chart = new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: dates || data.map((_, i) => i),
      datasets: [{ label: 'Equity', data, borderColor: '#2457d6', backgroundColor: 'rgba(36,87,214,.08)',
        borderWidth: 1.5, pointRadius: 0, fill: true, tension: 0 },
      { label: 'Starting cash', data: data.map(() => cash), borderColor: '#98a2b3', borderDash: [4, 4],
        borderWidth: 1, pointRadius: 0, fill: false }],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: dates
          ? { ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 }, grid: { display: false } }
          : { ticks: { display: false }, grid: { display: false }, title: { display: true, text: 'time →' } },
        y: { ticks: { callback: (v) => money(v) } },
      },
      plugins: { legend: { display: true, position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}`,
          title: (items) => (dates && items.length ? dates[items[0].dataIndex] : '') } } },
    },
  });
  state.charts.push(chart);
}

function tradesPanel(result) {
  const trades = result.trades || [];
  const n = isNum(result.trade_count) ? result.trade_count : trades.length;
  if (!trades.length) {
    return h('div', { class: 'panel', id: 'trades' }, h('h2', {}, 'Trades'),
      h('div', { class: 'muted' }, `${int(n)} trade${n === 1 ? '' : 's'}`));
  }
  return h('div', { class: 'panel', id: 'trades' }, h('h2', {}, `Trades (${int(trades.length)})`),
    h('div', { class: 'table-wrap', style: 'max-height:420px;overflow-y:auto' }, h('table', {},
      h('thead', {}, h('tr', {}, ['#', 'Side', 'Size', 'Entry time', 'Entry price', 'Exit time', 'Exit price', 'P&L', 'Return', 'Commissions']
        .map((c, i) => h('th', { class: i >= 2 && i !== 3 && i !== 5 ? 'num' : null }, c)))),
      h('tbody', {}, trades.map((t, i) => h('tr', {},
        h('td', { class: 'num' }, i + 1), h('td', {}, t.size < 0 ? 'short' : 'long'),
        h('td', { class: 'num' }, int(Math.abs(t.size))), h('td', {}, t.entry_time),
        h('td', { class: 'num' }, money(t.entry_price)), h('td', {}, t.exit_time),
        h('td', { class: 'num' }, money(t.exit_price)),
        h('td', { class: `num ${t.pnl > 0 ? 'pos' : t.pnl < 0 ? 'neg' : ''}` }, money(t.pnl)),
        metricCell('return_pct', t.return_pct), h('td', { class: 'num' }, money(t.commissions))))))));
}

async function jobView(root, coll, id) {
  const kind = coll === 'backtests' ? 'backtest' : 'optimization';
  const base = `/api/${coll}/${encodeURIComponent(id)}`;
  const view = state.view;
  const record = await api(base);
  const spec = record.spec || {};
  const objective = (spec.objective && spec.objective.metric) || 'sharpe';
  const goal = (spec.objective && spec.objective.goal) || 'maximize';
  const ds = spec.dataset || {};
  const dsText = ds.path || (ds.id && `stored ${ds.id.slice(0, 10)}`) ||
    (ds.synthetic && `synthetic ${int(ds.synthetic.bars)} bars, seed ${ds.synthetic.seed}`) || '—';

  const statusBadge = h('span', { id: 'job-status' });
  const bar = h('div', { id: 'job-progress' });
  const pctText = h('div', { id: 'progress-text', class: 'muted' });
  const stats = h('div', { class: 'stats', id: 'job-stats' });
  const best = h('div', { id: 'best' });
  const cancelBtn = h('button', { class: 'danger', id: 'cancel-btn', hidden: true, onclick: cancel }, 'Cancel job');
  const results = h('div', { id: 'results' });
  const msg = h('div', { class: 'error-box', hidden: true });
  // The broker's reason when trials are queued but no worker can take them.
  const waiting = h('div', { class: 'hint', id: 'job-waiting', hidden: true });
  const stopped = h('div', { class: 'hint', id: 'job-stopped', hidden: true });
  // Walk-forward and holdout jobs have no robustness statistics (they describe one optimization
  // of all the bars); once the train trials are in, the broker runs the out-of-sample part instead.
  const walkForward = kind === 'optimization' && !!spec.walk_forward;
  const holdout = kind === 'optimization' && !!spec.holdout_bars;
  const robustnessPending = h('div', { class: 'hint', id: 'robustness-pending', hidden: true },
    walkForward ? 'Every train trial is in: running the windows out of sample (stitched curve, efficiency)…'
      : holdout ? 'Every train trial is in: running the top trials on the held-out bars…'
        : 'Every trial is in: computing the robustness statistics (DSR, PBO)…');

  root.append(
    h('div', { class: 'row', style: 'justify-content:space-between;align-items:flex-start;margin-bottom:12px' },
      h('div', {},
        h('h1', {}, `${kind === 'backtest' ? 'Backtest' : 'Optimization'} `, h('span', { class: 'mono', style: 'font-size:15px' }, id), ' ', statusBadge),
        h('div', { class: 'muted' }, `${spec.strategy || ''} · ${dsText} · created ${when(record.created_at)}` +
          (kind === 'optimization' ? ` · objective: ${goal} ${(METRIC_INFO[objective] || { label: objective }).label}` : ''))),
      cancelBtn),
    h('div', { class: 'panel' }, bar, pctText, stats, waiting, stopped, robustnessPending, msg),
    h('div', { class: 'panel', hidden: kind !== 'optimization', id: 'best-panel' }, h('h2', {}, 'Best so far'), best),
    results);

  let last = null;
  async function cancel() {
    cancelBtn.disabled = true;
    try {
      const s = await api(`${base}/cancel`, { method: 'POST' });
      render(s);
    } catch (e) {
      msg.textContent = e.message;
      msg.hidden = false;
    } finally {
      cancelBtn.disabled = false;
    }
  }
  function render(s) {
    last = s;
    statusBadge.replaceChildren(badge(s.status));
    const done = s.completed + s.failed;
    const terminal = TERMINAL.has(s.status);
    const frac = kind === 'backtest' && s.status === 'completed' ? 1 : s.progress || 0;
    bar.replaceChildren(progressBar(frac, kind === 'optimization' && s.total ? s.failed / s.total : 0, true));
    bar.dataset.progress = String(Math.round(frac * 1000) / 10);
    pctText.textContent = `${(frac * 100).toFixed(1)}%` + (kind === 'backtest' ? ` of ${int(s.total)} bars` : ` of ${int(s.total)} trials`);
    const rate = s.elapsed_s > 0 ? done / s.elapsed_s : null;
    const unit = kind === 'backtest' ? 'bars/s' : 'trials/s';
    const stat = (k, v, idAttr) => h('div', { class: 'stat', 'data-stat': idAttr }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v));
    stats.replaceChildren(
      kind === 'optimization' ? stat('Completed', int(s.completed), 'completed') : stat('Bars done', int(s.completed), 'completed'),
      stat('Failed', int(s.failed), 'failed'), stat('Running', int(s.running), 'running'),
      stat('Queued', int(s.queued), 'queued'), stat('Total', int(s.total), 'total'),
      stat('Rate', rate === null ? '—' : `${rate >= 100 ? int(rate) : rate.toFixed(1)} ${unit}`, 'rate'),
      stat('Elapsed', duration(s.elapsed_s), 'elapsed'),
      stat('ETA', terminal ? '—' : duration(s.eta_s), 'eta'));
    waiting.textContent = s.waiting_for ? `Waiting: ${s.waiting_for}` : '';
    waiting.hidden = !s.waiting_for;
    // Every trial is in, the broker computes the robustness statistics (docs/ROBUSTNESS.md).
    // A walk-forward or holdout job's total also counts its out-of-sample runs, which the broker
    // makes after the train trials (no trial queued or running): that is the step then.
    const computing = kind === 'optimization' && s.status === 'running' && s.total > 0 && s.queued === 0 &&
      s.running === 0 && (walkForward || holdout ? s.completed + s.failed > 0 : s.completed + s.failed >= s.total);
    robustnessPending.hidden = !computing;
    const stop = s.result && s.result.stopped;
    stopped.textContent = stop ? `Stopped on target: trial #${stop.trial} reached ` +
      `${(METRIC_INFO[objective] || { label: objective }).label} ${fmtMetric(objective, stop.value)}; ` +
      `the other ${int(s.total - s.completed - s.failed)} trials were not run.` : '';
    stopped.hidden = !stop;
    cancelBtn.hidden = terminal;
    if (kind === 'optimization') {
      best.replaceChildren(s.best ? h('div', { class: 'kv' },
        h('div', { class: 'k' }, (METRIC_INFO[objective] || { label: objective }).label),
        h('div', { class: 'v', id: 'best-value' }, h('b', {}, fmtMetric(objective, s.best.metrics[objective]))),
        h('div', { class: 'k' }, 'Parameters'), h('div', { class: 'mono' }, paramsText(s.best.params)),
        objective === 'return_pct' ? null : [h('div', { class: 'k' }, 'Return'), h('div', {}, pct(s.best.metrics.return_pct))],
        h('div', { class: 'k' }, 'Max drawdown'), h('div', {}, pct(s.best.metrics.max_drawdown_pct)),
        h('div', { class: 'k' }, 'Trial'), h('div', {}, `#${s.best.index}`))
        : h('div', { class: 'muted' }, 'No trial has completed yet.'));
    }
  }

  every(POLL_MS, async () => {
    const s = await api(`${base}/status`);
    if (view !== state.view) return false;
    render(s);
    if (!TERMINAL.has(s.status)) return true;
    renderResults(s);
    return false;  // terminal: stop polling
  });

  function renderResults(s) {
    if (s.status === 'failed') {
      // The record loaded with the page predates the failure: ask again for its reason.
      api(base).then((rec) => {
        msg.textContent = `The job failed: ${rec.error_message || 'no reason recorded'}`;
        msg.hidden = false;
      }).catch((e) => showBanner(e.message, true));
    }
    const r = s.result;
    if (kind === 'backtest') {
      if (!r || !r.metrics) return;
      const canvas = h('canvas', { id: 'equity-chart' });
      results.append(
        h('div', { class: 'panel' }, h('h2', {}, 'Equity curve'), h('div', { class: 'chart-box' }, canvas)),
        h('div', { class: 'panel' }, h('h2', {}, 'Metrics'), metricsTable(r.metrics, 'metrics-table')),
        tradesPanel(r));
      equityChart(canvas, r.equity, spec.cash || 10000, r.equity_time);
      return;
    }
    // The out-of-sample views first: for such a job they are the answer (walk_forward.js).
    const ui = { h, isNum, money, fmtMetric, metricCell, METRIC_INFO, paramsText, equityLabels };
    if (r && r.walk_forward) results.append(walkForwardPanel(ui, r.walk_forward, { objective, chartRegistry: state.charts }));
    if (r && r.holdout) results.append(holdoutPanel(ui, r.holdout, { objective }));
    if (r && r.best) {
      const top = (r.top || []).find((t) => t.index === r.best.index) || (r.top || [])[0];
      const canvas = h('canvas', { id: 'equity-chart' });
      // A walk-forward job's best is its best train trial, scored on its own window's train bars
      // (trial k·P + i is window k's; total = K·P + K, docs/WALK_FORWARD.md "Trial numbering").
      const windows = r.walk_forward ? r.walk_forward.windows.length : 0;
      const perWindow = windows ? s.total / windows - 1 : 0;
      const where = windows && perWindow >= 1 ? `, window ${Math.floor(r.best.index / perWindow)}'s train bars` : '';
      results.append(
        h('div', { class: 'panel' }, h('h2', {}, `Equity curve of the best ${windows ? 'train ' : ''}trial (#${r.best.index}${where}: ${paramsText(r.best.params)})`),
          h('div', { class: 'chart-box' }, canvas)),
        h('div', { class: 'panel' }, h('h2', {}, `Metrics of the best trial (${int(r.best.trades)} trades)`),
          metricsTable(r.best.metrics, 'metrics-table')));
      // result.equity_time dates the bars the top curves cover (a holdout's: its train bars); a
      // walk-forward's best trials come from several windows and it is null: positions then.
      if (top && top.equity) equityChart(canvas, top.equity, spec.cash || 10000, r.equity_time);
    }
    // The statistics describe a whole optimization of all the bars: only a completed one has
    // them, and neither a walk-forward nor a holdout job is one (docs/WALK_FORWARD.md).
    if (walkForward || holdout) {
      results.append(h('div', { class: 'hint', id: 'robustness-absent' }, walkForward
        ? 'No robustness statistics: a walk-forward job is one optimization per window, each of other bars; the walk-forward panel is its check.'
        : 'No robustness statistics: a holdout job optimizes only the bars before the held-out ones; the holdout table is its check.'));
    } else if (s.status === 'completed') results.append(robustnessPanel(s));
    else {
      results.append(h('div', { class: 'hint', id: 'robustness-absent' },
        `No robustness statistics: they come only when an optimization completes (this one ${s.status === 'failed' ? 'failed' : 'was cancelled'}).`));
    }
    if (s.completed + s.failed > 0) {
      // A walk-forward job's trials are every window's train trials (trial k·P + i is window k's
      // trial i): one heatmap over all of them would show each cell's best over the windows, which
      // no window chose. The stability table shows how the best moved instead.
      results.append(historyPanel(base, objective, goal), trialsPanel(base, objective, s),
        walkForward ? h('div', { class: 'hint', id: 'heatmap-absent' }, 'No heatmap for a walk-forward job: its trials are ' +
          'every window\'s train trials over different bars; the walk-forward panel\'s stability table shows how the best moved.')
          : heatmapPanel(base, objective, goal, r && r.heatmap));
    }
  }
}

function trialsPanel(base, objective, status) {
  const q = { sort: objective, order: 'desc', offset: 0 };
  const table = h('table', { id: 'trials-table' });
  const info = h('span', { class: 'muted' });
  const prev = h('button', { type: 'button', id: 'trials-prev', onclick: () => { q.offset = Math.max(0, q.offset - TRIALS_PAGE); load(); } }, '‹ Prev');
  const next = h('button', { type: 'button', id: 'trials-next', onclick: () => { q.offset += TRIALS_PAGE; load(); } }, 'Next ›');
  const view = state.view;
  const columns = [objective, ...TRIAL_COLUMNS.filter((c) => c !== objective)];
  async function load() {
    const page = await api(`${base}/trials?sort=${encodeURIComponent(q.sort)}&order=${q.order}&limit=${TRIALS_PAGE}&offset=${q.offset}`);
    if (view !== state.view) return;
    const names = [...new Set(page.trials.flatMap((t) => Object.keys(t.params)))];
    const head = (label, key, cls) => {
      const sorted = q.sort === key;
      return h('th', { class: `${cls || ''} sortable ${sorted ? 'sorted' : ''} ${sorted && q.order === 'asc' ? 'asc' : ''}`,
        'data-sort': key, title: 'Sort',
        onclick: () => {
          if (q.sort === key) q.order = q.order === 'asc' ? 'desc' : 'asc';
          else { q.sort = key; q.order = key === 'index' ? 'asc' : 'desc'; }
          q.offset = 0;
          load();
        } }, label);
    };
    table.replaceChildren(
      h('thead', {}, h('tr', {}, head('#', 'index', 'num'), h('th', {}, 'Status'),
        names.map((n) => h('th', { class: 'num' }, n)),
        columns.map((c) => head((METRIC_INFO[c] || { label: c }).label, c, 'num')),
        h('th', {}, 'Error'))),
      h('tbody', {}, page.trials.map((t) => h('tr', { 'data-index': t.index, 'data-status': t.status },
        h('td', { class: 'num' }, t.index), h('td', {}, badge(t.status)),
        names.map((n) => h('td', { class: 'num mono' }, t.params[n] ?? '')),
        columns.map((c) => (t.status === 'completed' ? metricCell(c, t.metrics[c]) : h('td', { class: 'num muted' }, '—'))),
        h('td', { class: 'err' }, t.error_message ? [t.error_message,
          t.error_stack_trace ? h('details', { class: 'trace' }, h('summary', {}, 'stack trace'), h('pre', {}, t.error_stack_trace)) : null] : '')))));
    const end = Math.min(page.total, q.offset + page.trials.length);
    info.textContent = page.total ? `${int(q.offset + 1)}–${int(end)} of ${int(page.total)} trials` : 'no trials recorded';
    prev.disabled = q.offset === 0;
    next.disabled = end >= page.total;
  }
  load().catch((e) => showBanner(e.message, true));
  return h('div', { class: 'panel', id: 'trials' },
    h('div', { class: 'row', style: 'justify-content:space-between;align-items:center' },
      h('h2', {}, `Trials (${int(status.completed)} completed, ${int(status.failed)} failed)`), h('span', { class: 'muted' }, 'click a metric header to sort')),
    h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, info, prev, next));
}

// The objective over two parameters: for each pair of values, the best objective among the
// trials that have them (the other parameters vary freely). Computed from the trial records.
// The objective of every trial in index order (for grid: grid order; random and tpe: the order
// they were drawn or suggested in), with the best so far: how fast a search found its best.
// Failed trials and undefined values are gaps, as the ranking puts them behind every number.
function historyPanel(base, objective, goal) {
  const canvas = h('canvas', { id: 'history-chart' });
  const note = h('div', { class: 'muted', id: 'history-note' }, 'Loading trials…');
  const view = state.view;
  const label = (METRIC_INFO[objective] || { label: objective }).label;
  (async () => {
    const trials = [];
    for (let offset = 0; offset < HEATMAP_MAX_TRIALS; offset += 1000) {
      const page = await api(`${base}/trials?sort=index&limit=1000&offset=${offset}`);
      if (view !== state.view) return;
      trials.push(...page.trials);
      if (trials.length >= page.total || !page.trials.length) break;
    }
    const value = (t) => (t.status === 'completed' && isNum(t.metrics[objective]) ? t.metrics[objective] : null);
    const points = trials.map((t) => ({ x: t.index, y: value(t) }));
    let best = null;
    let bestAt = null;
    const bestLine = points.map((p) => {
      if (p.y !== null && (best === null || (goal === 'minimize' ? p.y < best : p.y > best))) {
        best = p.y;
        bestAt = p.x;
      }
      return { x: p.x, y: best };
    });
    canvas.dataset.points = String(points.length);
    canvas.dataset.bestIndex = bestAt === null ? '' : String(bestAt);
    note.textContent = bestAt === null ? 'No completed trial yet.'
      : `${int(points.length)} trials; the best (${fmtMetric(objective, best)}) came at trial #${bestAt}.`;
    const chart = new window.Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          { label, data: points, borderColor: '#2457d6', backgroundColor: 'rgba(36,87,214,.45)', pointRadius: 2 },
          { label: 'Best so far', data: bestLine, type: 'line', borderColor: '#1a7f37', borderWidth: 1.5,
            pointRadius: 0, stepped: true, fill: false },
        ],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: 'trial index →' } }, y: { title: { display: true, text: label } } },
        plugins: { legend: { display: true, position: 'bottom' } },
      },
    });
    state.charts.push(chart);
  })().catch((e) => showBanner(e.message, true));
  return h('div', { class: 'panel', id: 'history-panel' }, h('h2', {}, `History of ${label}`),
    note, h('div', { class: 'chart-box' }, canvas));
}

// The overfitting statistics of a completed optimization (result.robustness, docs/ROBUSTNESS.md):
// DSR, PSR, PBO with their plain-words readings and the histogram of the CSCV logits λ. Every
// value may be null (undefined); null shows as "n/a".
const MAX_PBO_CELLS = 1.3e9;  // kMaxPboCells, common/optimize/robustness.hpp
const na = (f) => (v) => (isNum(v) ? f(v) : 'n/a');
const prob = na((v) => v.toFixed(3));
const sr4 = na((v) => v.toFixed(4));
const fixed2 = na((v) => v.toFixed(2));
// A probability as a share of 100, never rounded to 0% or 100% when it is neither.
function share(v) {
  const p = Math.round(v * 100);
  if (p === 0 && v > 0) return 'under 1%';
  if (p === 100 && v < 1) return 'over 99%';
  return `${p}%`;
}
// "an 84% probability", "a 28% probability", "a probability over 99%".
function probability(v) {
  const t = share(v);
  if (!/^\d/.test(t)) return `a probability ${t}`;
  return `${/^(8|11|18)(\D|$)|^8\d/.test(t) ? 'an' : 'a'} ${t} probability`;
}
function binomial(n, k) {
  let c = 1;
  for (let i = 1; i <= k; i += 1) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

// Why pbo_logits is null, from what the status tells (the conditions of RobustnessAccumulator).
function pboMissingReason(rob, trials) {
  if (!(rob.n_trials >= 2)) return 'fewer than 2 trials have a defined Sharpe ratio, so there is nothing to compare.';
  const splits = binomial(rob.pbo_blocks, rob.pbo_blocks / 2);
  const limit = Math.floor(MAX_PBO_CELLS / splits);
  if (trials > limit) {
    return `too many trials for the PBO: ${int(splits)} splits × ${int(trials)} trials is over the bound of ` +
      `1.3·10⁹ (at most ${int(limit)} trials with S = ${rob.pbo_blocks}; fewer blocks allow more).`;
  }
  return 'the trials\' day or block counts differ, so the splits would not cover the same days.';
}

function robustnessPanel(s) {
  const rob = s.result && s.result.robustness;
  const panel = h('div', { class: 'panel', id: 'robustness-panel' },
    h('h2', {}, 'Robustness: how much of the best trial is luck'));
  if (!rob) {
    panel.append(h('div', { class: 'muted', id: 'robustness-note' },
      'The statistics are not available for this job (the broker could not compute them; its log says why).'));
    return panel;
  }
  const logits = rob.pbo_logits;
  // M, the trials the PBO ranks: every completed trial (λ ranges over ±ln M).
  const trials = logits ? Math.round(Math.exp(logits.max)) : s.completed;
  const splits = binomial(rob.pbo_blocks, rob.pbo_blocks / 2);
  const tile = (id, label, value, hint, title) => h('div', { class: 'stat', id, title },
    h('div', { class: 'k' }, label), h('div', { class: 'v' }, value), h('div', { class: 'hint' }, hint));
  const tiles = h('div', { class: 'stats robustness' },
    tile('robustness-dsr', 'DSR', prob(rob.dsr), 'deflated Sharpe ratio: P(best beats the luck of the best of N)',
      'Probability that the best trial\'s true Sharpe ratio is above the expected maximum of N skill-less trials'),
    tile('robustness-psr', 'PSR', prob(rob.psr), 'probabilistic Sharpe ratio: P(best is above 0)',
      'Probability that the best trial\'s true Sharpe ratio is above 0, given its length, skew and kurtosis'),
    tile('robustness-pbo', 'PBO', prob(rob.pbo),
      `probability of backtest overfitting; S = ${rob.pbo_blocks} blocks, ${int(splits)} splits`,
      'Share of the in-sample/out-of-sample splits where the in-sample winner ranked at or below the median out of sample'),
    tile('robustness-sr', 'Best sr vs expected max', `${sr4(rob.best_sr)} vs ${sr4(rob.expected_max_sr)}`,
      `daily Sharpe ratio of the best trial vs what the best of N = ${int(rob.n_trials)} lucky trials reaches`,
      `sr variance over the trials: ${isNum(rob.sr_variance) ? rob.sr_variance.toExponential(3) : 'n/a'}`),
    tile('robustness-shape', 'Skew / kurtosis', `${fixed2(rob.skew)} / ${fixed2(rob.kurtosis)}`,
      'of the best trial\'s daily returns (kurtosis 3 = normal; above: fat tails)',
      'Skewed or fat-tailed returns make a Sharpe ratio less certain: PSR and DSR account for it'));

  const reading = h('ul', { class: 'reading', id: 'robustness-reading' });
  if (isNum(rob.dsr)) {
    reading.append(h('li', { id: 'robustness-reading-dsr' }, `DSR ${rob.dsr.toFixed(2)}: ${probability(rob.dsr)} that ` +
      `the best trial's Sharpe ratio beats what luck alone gives the best of ${int(rob.n_trials)} trials.`));
  }
  if (isNum(rob.psr)) {
    reading.append(h('li', {}, `PSR ${rob.psr.toFixed(2)}: ${probability(rob.psr)} that the best trial's true ` +
      'Sharpe ratio is above 0.'));
  }
  if (isNum(rob.pbo)) {
    reading.append(h('li', { id: 'robustness-reading-pbo' }, `PBO ${rob.pbo.toFixed(2)}: in ${share(rob.pbo)} of ` +
      `${int(splits)} splits the in-sample winner ranked at or below the median out of sample ` +
      '(near 0: the winner tends to stay ahead; near 0.5 or above: its lead is noise).'));
  }
  if (!reading.childElementCount && rob.n_trials >= 2) {
    reading.append(h('li', {}, 'The best trial has no defined Sharpe ratio (it never trades or its equity never moves).'));
  }
  panel.append(tiles);
  if (reading.childElementCount) panel.append(reading);  // none when n/a all over: the note says why

  if (!logits) {
    panel.append(h('div', { class: 'muted', id: 'logit-note' }, `No PBO histogram: ${pboMissingReason(rob, trials)}`));
    return panel;
  }
  const canvas = h('canvas', { id: 'logit-chart' });
  panel.append(h('h2', { style: 'margin-top:16px' }, 'Logits λ of the in-sample winner\'s out-of-sample rank'),
    h('div', { class: 'hint' }, `One count per split (${int(splits)} in all). Red, the left half (λ < 0): the winner ranked ` +
      'below the median out of sample (λ = 0, exactly the median, also counts as overfit and falls in the first green bin); ' +
      `at the ends, λ = −ln ${int(trials)}: last of the ${int(trials)} trials, λ = +ln ${int(trials)}: first.`),
    h('div', { class: 'chart-box small' }, canvas));
  const bins = logits.counts.length;
  const width = (logits.max - logits.min) / bins;
  const labels = logits.counts.map((_, i) => `${(logits.min + i * width).toFixed(2)} … ${(logits.min + (i + 1) * width).toFixed(2)}`);
  const overfit = (i) => i < bins / 2;
  canvas.dataset.bins = String(bins);
  const chart = new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [{ label: 'splits', data: logits.counts.slice(),
        backgroundColor: logits.counts.map((_, i) => (overfit(i) ? 'rgba(192,38,45,.7)' : 'rgba(19,122,58,.7)')),
        borderWidth: 0, barPercentage: 1, categoryPercentage: 0.96 }],
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { title: { display: true, text: 'λ = ln(w / (1 − w)), w = out-of-sample rank / (M + 1)' } },
        y: { beginAtZero: true, title: { display: true, text: 'splits' } } },
      plugins: { legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${int(c.parsed.y)} splits${overfit(c.dataIndex) ? ' (overfit side)' : ''}` } } },
    },
  });
  state.charts.push(chart);
  return panel;
}

function heatmapPanel(base, objective, goal, serverHeatmap) {
  const xSel = h('select', { id: 'heatmap-x', name: 'heatmap-x' });
  const ySel = h('select', { id: 'heatmap-y', name: 'heatmap-y' });
  const grid = h('div', { id: 'heatmap', class: 'table-wrap' }, h('div', { class: 'muted' }, 'Loading trials…'));
  const axes = h('div', { class: 'inline' }, h('label', { style: 'margin:0' }, 'x'), xSel,
    h('label', { style: 'margin:0' }, 'y'), ySel);
  const view = state.view;
  let trials = [];
  let names = [];
  const better = (a, b) => (goal === 'minimize' ? a < b : a > b);
  const sortVals = (vals) => vals.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  function draw() {
    const x = xSel.value, y = ySel.value;
    if (!x || !y || x === y) {
      grid.replaceChildren(h('div', { class: 'muted' }, 'Choose two different parameters.'));
      return;
    }
    const xs = sortVals([...new Set(trials.map((t) => t.params[x]))]);
    const ys = sortVals([...new Set(trials.map((t) => t.params[y]))]);
    const cells = new Map();
    for (const t of trials) {
      const v = t.metrics[objective];
      if (t.status !== 'completed' || !isNum(v)) continue;
      const key = `${t.params[x]}\u0000${t.params[y]}`;
      if (!cells.has(key) || better(v, cells.get(key))) cells.set(key, v);
    }
    const values = [...cells.values()];
    const lo = Math.min(...values), hi = Math.max(...values);
    const color = (v) => {
      let t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      if (goal === 'minimize') t = 1 - t;
      const mix = (a, b, f) => Math.round(a + (b - a) * f);
      const [r, g, b] = t < 0.5 ? [mix(178, 247, t * 2), mix(24, 247, t * 2), mix(43, 247, t * 2)]
        : [mix(247, 26, (t - 0.5) * 2), mix(247, 127, (t - 0.5) * 2), mix(247, 55, (t - 0.5) * 2)];
      return `background:rgb(${r},${g},${b});color:${Math.abs(t - 0.5) > 0.35 ? '#fff' : '#1b1f24'}`;
    };
    grid.replaceChildren(
      h('table', { class: 'heatmap' },
        h('thead', {}, h('tr', {}, h('th', {}, `${y} ↓  ${x} →`), xs.map((v) => h('th', {}, v)))),
        h('tbody', {}, ys.slice().reverse().map((yv) => h('tr', {}, h('th', {}, yv), xs.map((xv) => {
          const v = cells.get(`${xv}\u0000${yv}`);
          return isNum(v)
            ? h('td', { style: color(v), title: `${x}=${xv} ${y}=${yv}: ${fmtMetric(objective, v)}` }, fmtMetric(objective, v))
            : h('td', { style: 'background:#f2f4f7', title: 'no completed trial' }, '');
        }))))),
      h('div', { class: 'legend' }, values.length ? `${fmtMetric(objective, goal === 'minimize' ? hi : lo)}` : '',
        h('span', { class: 'ramp' }), values.length ? `${fmtMetric(objective, goal === 'minimize' ? lo : hi)}` : '',
        h('span', {}, `${(METRIC_INFO[objective] || { label: objective }).label}, best over the other parameters; grey: no completed trial`)));
  }
  (async () => {
    for (let offset = 0; offset < HEATMAP_MAX_TRIALS; offset += 1000) {
      const page = await api(`${base}/trials?sort=index&limit=1000&offset=${offset}`);
      if (view !== state.view) return;
      trials.push(...page.trials);
      if (trials.length >= page.total || !page.trials.length) break;
    }
    // Parameters that vary; numeric ones first (they make the most readable axes).
    const numeric = (n) => trials.every((t) => typeof t.params[n] === 'number');
    names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))]
      .filter((n) => new Set(trials.map((t) => t.params[n])).size > 1)
      .sort((a, b) => Number(numeric(b)) - Number(numeric(a)));
    if (names.length < 2) {
      axes.hidden = true;
      grid.replaceChildren(h('div', { class: 'muted' }, 'A heatmap needs two parameters that take more than one value.'));
      return;
    }
    for (const sel of [xSel, ySel]) sel.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
    xSel.value = serverHeatmap && names.includes(serverHeatmap.x) ? serverHeatmap.x : names[0];
    ySel.value = serverHeatmap && names.includes(serverHeatmap.y) ? serverHeatmap.y : names[1];
    draw();
  })().catch((e) => showBanner(e.message, true));
  xSel.addEventListener('change', draw);
  ySel.addEventListener('change', draw);
  return h('div', { class: 'panel', id: 'heatmap-panel' },
    h('div', { class: 'row', style: 'justify-content:space-between;align-items:center' },
      h('h2', {}, `Heatmap of ${(METRIC_INFO[objective] || { label: objective }).label}`),
      axes),
    grid);
}

// ---------------------------------------------------------------------------------------------

document.getElementById('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = document.getElementById('token-input').value.trim();
  localStorage.setItem('sweep.token', state.token);
  document.getElementById('token-form').hidden = true;
  state.catalog = null;
  route();
});
window.addEventListener('hashchange', () => { Promise.resolve(route()).catch((e) => showBanner(e.message, true)); });
clusterIndicator();
Promise.resolve(route()).catch((e) => showBanner(e.message, true));
