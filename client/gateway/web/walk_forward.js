// The job page's walk-forward and holdout views (docs/WALK_FORWARD.md, its "Dashboard" section):
// result.walk_forward (the windows on a time axis, the stitched out-of-sample equity against the
// in-sample pace, the per-window table, the efficiency in plain words, the stitched metrics and
// the stability of the parameters) and result.holdout (the top trials in and out of sample).
//
// app.js hands its DOM and formatting helpers in as `ui` instead of this module importing them:
// app.js is the entry point and starts the router as it loads, so an import back would be a cycle.

const DAY_MS = 86400000;
const YEAR_DAYS = 365.25;

// A bar time (ms since the epoch, UTC) as a date, or a date and minute when `intraday`: the same
// labels as the equity charts' (app.js equityLabels), so every chart of a job reads alike.
function dateText(ms, intraday) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const iso = new Date(ms).toISOString();
  return intraday ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}
const isIntraday = (times) => times.some((t) => typeof t === 'number' && t % DAY_MS !== 0);
const spanText = (time, intraday) =>
  `${dateText(time && time[0], intraday)} … ${dateText(time && time[1], intraday)}`;
const barsText = (bars) => (Array.isArray(bars) ? `bars ${bars[0]}–${bars[1] - 1}` : '');

// The in-sample pace: what the windows' in-sample fits promised, as an equity curve over the test
// bars. It starts at window 0's cash_in; over window k's test span it grows at window k's best's
// in-sample return_ann_pct r_k, compounded over calendar time,
//   pace(t) = P_k · (1 + r_k/100)^((t − test_time_k[0]) / 1 day / 365.25),
// where P_0 = cash_in of window 0 and P_{k+1} = pace at window k's last test bar (test_time_k[1]).
// A window whose r_k is undefined (or whose test times are unknown) ends the line: what it promised
// is unknown, so no later window has a start either. Returns {at(t)}, null where the line is
// undefined.
export function inSamplePace(windows) {
  const segments = [];
  let start = windows.length && Number.isFinite(windows[0].cash_in) ? windows[0].cash_in : null;
  for (const w of windows) {
    const r = w.best && w.best.metrics ? w.best.metrics.return_ann_pct : null;
    const t = w.test_time;
    const ok = start !== null && Number.isFinite(r) && Array.isArray(t) && Number.isFinite(t[0]) && Number.isFinite(t[1]);
    if (!ok) {
      start = null;
      segments.push(null);
      continue;
    }
    const p0 = start;
    const value = (ms) => {
      const v = p0 * Math.pow(1 + r / 100, (ms - t[0]) / DAY_MS / YEAR_DAYS);
      return Number.isFinite(v) ? v : null;  // r < −100 % has no real power
    };
    segments.push({ from: t[0], to: t[1], value });
    start = value(t[1]);
  }
  return {
    // The segment of the last window whose first test bar is at or before ms (test spans tile the
    // test bars in order, so that is the window the bar belongs to).
    at(ms) {
      let seg;
      for (let k = 0; k < windows.length; k += 1) {
        const t = windows[k].test_time;
        if (Array.isArray(t) && t[0] <= ms) seg = segments[k];
      }
      return seg ? seg.value(ms) : null;
    },
  };
}

// The efficiency in plain words (its definition: docs/WALK_FORWARD.md "The walk-forward result"),
// or why it is null.
export function efficiencyReading(wf) {
  const ann = wf.windows.map((w) => (w.best && w.best.metrics ? w.best.metrics.return_ann_pct : null));
  const stitched = wf.metrics ? wf.metrics.return_ann_pct : null;
  const e = wf.efficiency;
  const f2 = (v) => v.toFixed(2);
  if (typeof e === 'number' && Number.isFinite(e)) {
    const mean = ann.reduce((a, b) => a + b, 0) / ann.length;
    const rates = Number.isFinite(stitched) && Number.isFinite(mean)
      ? ` (${f2(stitched)}% a year out of sample against ${f2(mean)}% a year in sample, the mean of the windows' bests)` : '';
    if (mean < 0) {
      return `efficiency ${f2(e)}: the in-sample fits themselves promised a loss${rates}, so the ratio says little.`;
    }
    if (e < 0) {
      return `efficiency ${f2(e)}: walking forward lost money where the in-sample fits promised gains${rates}.`;
    }
    return `efficiency ${f2(e)}: walking forward earned ${Math.round(e * 100)}% of the annualised return the in-sample fits promised${rates}.`;
  }
  const undefinedWindows = wf.windows.filter((_, k) => !Number.isFinite(ann[k])).map((w) => `#${w.window}`);
  if (!wf.windows.length) return 'efficiency —: no window finished.';
  if (undefinedWindows.length) {
    return `efficiency —: the in-sample best of window${undefinedWindows.length > 1 ? 's' : ''} ${undefinedWindows.join(', ')} ` +
      'has no annualised return (undefined: its train bars give no daily return, e.g. all within one day), so there is no promise to compare with.';
  }
  if (!Number.isFinite(stitched)) return 'efficiency —: the stitched out-of-sample curve has no annualised return.';
  return 'efficiency —: the in-sample bests\' annualised returns average 0, so there is no promise to divide by.';
}

export function walkForwardPanel(ui, wf, { objective, chartRegistry }) {
  const { h, isNum, money, fmtMetric, metricCell, METRIC_INFO, paramsText, equityLabels } = ui;
  const label = (m) => (METRIC_INFO[m] || { label: m }).label;
  const windows = wf.windows || [];
  const times = windows.flatMap((w) => [...(w.train_time || []), ...(w.test_time || [])]);
  const intraday = isIntraday(times);
  const panel = h('div', { class: 'panel', id: 'walk-forward-panel' },
    h('h2', {}, `Walk-forward: ${windows.length} window${windows.length === 1 ? '' : 's'}, each optimized on its train bars and traded on its test bars`));
  if (!windows.length) {  // a job cancelled before its first window finished
    panel.append(h('div', { class: 'muted', id: 'wf-efficiency' }, 'No window finished.'));
    return panel;
  }

  // The efficiency and the stitched curve's metrics first: they are the answer.
  const m = wf.metrics || {};
  const tile = (key, text) => h('div', { class: 'stat', 'data-metric': key },
    h('div', { class: 'k' }, label(key)), h('div', { class: 'v' }, text));
  panel.append(
    h('div', { class: 'stats wf-tiles', id: 'wf-metrics' },
      h('div', { class: 'stat', id: 'wf-efficiency-tile', title: 'stitched out-of-sample return_ann_pct / mean of the windows\' in-sample bests\' return_ann_pct' },
        h('div', { class: 'k' }, 'Efficiency'), h('div', { class: 'v' }, isNum(wf.efficiency) ? wf.efficiency.toFixed(2) : '—')),
      ['final_equity', 'return_pct', 'return_ann_pct', 'sharpe', 'max_drawdown_pct', 'trades']
        .map((k) => tile(k, fmtMetric(k, m[k])))),
    h('div', { class: 'wf-reading', id: 'wf-efficiency' }, efficiencyReading(wf)),
    h('div', { class: 'hint' }, 'Tiles: the stitched out-of-sample account (every window\'s test bars, one account, ' +
      'each window starting with the previous one\'s final equity).'));

  // The windows on a time axis: one row per window, the train span and the test span as floating
  // bars over the bar times. Chart.js 3 has no date axis without an adapter (Debian ships none),
  // so the axis is linear in ms and its ticks are written as dates.
  const windowsCanvas = h('canvas', { id: 'wf-windows-chart' });
  const equityCanvas = h('canvas', { id: 'wf-equity-chart' });
  const equityNote = h('div', { class: 'hint', id: 'wf-equity-note' });
  panel.append(
    h('div', { class: 'grid2', style: 'margin-top:16px' },
      h('div', {}, h('h2', {}, 'Windows'),
        h('div', { class: 'chart-box small', style: `height:${Math.max(160, 60 + 28 * windows.length)}px` }, windowsCanvas)),
      h('div', {}, h('h2', {}, 'Out-of-sample equity against the in-sample pace'),
        h('div', { class: 'chart-box small' }, equityCanvas), equityNote)));

  const rowLabels = windows.map((w) => `#${w.window}`);
  const lo = Math.min(...times), hi = Math.max(...times);
  const windowsChart = new window.Chart(windowsCanvas, {
    type: 'bar',
    data: {
      labels: rowLabels,
      datasets: [
        { label: 'train (in sample)', data: windows.map((w) => w.train_time), backgroundColor: 'rgba(152,162,179,.75)',
          grouped: false, barPercentage: 0.7, categoryPercentage: 1 },
        { label: 'test (out of sample)', data: windows.map((w) => w.test_time), backgroundColor: 'rgba(36,87,214,.8)',
          grouped: false, barPercentage: 0.7, categoryPercentage: 1 },
      ],
    },
    options: {
      indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', min: lo, max: hi,
          ticks: { maxTicksLimit: 7, maxRotation: 0, callback: (v) => dateText(v, intraday) } },
        y: { title: { display: true, text: 'window' } },
      },
      plugins: { legend: { display: true, position: 'bottom' },
        tooltip: { callbacks: { label: (c) => {
          const w = windows[c.dataIndex];
          const train = c.datasetIndex === 0;
          return `${train ? 'train' : 'test'} ${barsText(train ? w.train : w.test)}: ` +
            `${spanText(train ? w.train_time : w.test_time, intraday)}`;
        } } } },
    },
  });
  chartRegistry.push(windowsChart);

  // The stitched out-of-sample equity over its bars' dates, with the in-sample pace evaluated at
  // the same points (the curve is downsampled; the pace is a function of time, so it needs no more).
  const equity = (wf.equity || []).map((v) => (isNum(v) ? v : null));
  const dates = equityLabels(equity.length, wf.equity_time);
  const pace = inSamplePace(windows);
  const paceLine = dates ? wf.equity_time.map((t) => pace.at(t)) : null;
  if (!dates) equityNote.textContent = 'The equity points carry no dates, so the in-sample pace cannot be drawn.';
  else {
    equityNote.textContent = 'In-sample pace: from window #0\'s cash in, each window\'s test span compounds its in-sample ' +
      'best\'s annualised return over calendar days, starting where the previous window\'s pace ended.' +
      (paceLine.some((v) => v === null) ? ' It stops at a window whose in-sample best has no annualised return.' : '');
  }
  const equityChart = new window.Chart(equityCanvas, {
    type: 'line',
    data: {
      labels: dates || equity.map((_, i) => i),
      datasets: [
        { label: 'Walked forward (out of sample)', data: equity, borderColor: '#2457d6', backgroundColor: 'rgba(36,87,214,.08)',
          borderWidth: 1.5, pointRadius: 0, fill: true, tension: 0 },
        paceLine && { label: 'In-sample pace', data: paceLine, borderColor: '#c07a00', borderDash: [5, 4],
          borderWidth: 1.5, pointRadius: 0, fill: false, tension: 0 },
      ].filter(Boolean),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: dates ? { ticks: { autoSkip: true, maxTicksLimit: 7, maxRotation: 0 }, grid: { display: false } }
          : { ticks: { display: false }, grid: { display: false }, title: { display: true, text: 'time →' } },
        y: { ticks: { callback: (v) => money(v) } },
      },
      plugins: { legend: { display: true, position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
    },
  });
  chartRegistry.push(equityChart);

  // One row per window, as `sweep optimize --walk-forward` prints them.
  const objLabel = label(objective);
  panel.append(h('h2', { style: 'margin-top:16px' }, 'Windows in detail'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'wf-windows-table' },
      h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Window'), h('th', {}, 'Train'), h('th', {}, 'Test'),
        h('th', {}, 'Best parameters'),
        h('th', { class: 'num' }, `IS ${objLabel}`), h('th', { class: 'num' }, 'IS return (ann.)'),
        h('th', { class: 'num' }, `OOS ${objLabel}`), h('th', { class: 'num' }, 'OOS return'),
        h('th', { class: 'num' }, 'Cash in'), h('th', { class: 'num' }, 'Final equity'))),
      h('tbody', {}, windows.map((w) => {
        const is = (w.best && w.best.metrics) || {};
        const oos = (w.oos && w.oos.metrics) || {};
        return h('tr', { 'data-window': w.window },
          h('td', { class: 'num' }, `#${w.window}`),
          h('td', { title: barsText(w.train) }, spanText(w.train_time, intraday)),
          h('td', { title: barsText(w.test) }, spanText(w.test_time, intraday)),
          h('td', { class: 'mono' }, paramsText(w.best && w.best.params)),
          metricCell(objective, is[objective]), metricCell('return_ann_pct', is.return_ann_pct),
          metricCell(objective, oos[objective]), metricCell('return_pct', oos.return_pct),
          h('td', { class: 'num', 'data-col': 'cash_in' }, money(w.cash_in)),
          h('td', { class: 'num', 'data-col': 'final_equity' }, money(w.final_equity)));
      })))));

  // Stability: each parameter's best value per window. A parameter that takes many values is not
  // a property of the market.
  const stability = wf.stability || {};
  const names = Object.keys(stability);
  panel.append(h('h2', { style: 'margin-top:16px' }, 'Stability of the best parameters'),
    names.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'wf-stability' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), rowLabels.map((l) => h('th', { class: 'num' }, l)),
        h('th', { class: 'num' }, 'Distinct'))),
      h('tbody', {}, names.map((n) => {
        const values = stability[n] || [];
        const distinct = new Set(values.map((v) => JSON.stringify(v))).size;
        return h('tr', { 'data-param': n }, h('td', {}, h('b', {}, n)),
          values.map((v, k) => h('td', { class: `num mono${k > 0 && JSON.stringify(v) !== JSON.stringify(values[k - 1]) ? ' changed' : ''}` }, String(v))),
          h('td', { class: 'num' }, `${distinct} of ${values.length}`));
      }))))
      : h('div', { class: 'muted', id: 'wf-stability' }, 'No parameters.'),
    h('div', { class: 'hint' }, 'Bold: the value changed from the previous window.'));
  return panel;
}

// The holdout: the train optimization's top trials (best first), each in sample over the train
// bars and out of sample over the held-out test bars, side by side.
export function holdoutPanel(ui, ho, { objective }) {
  const { h, money, metricCell, METRIC_INFO, paramsText } = ui;
  const label = (m) => (METRIC_INFO[m] || { label: m }).label;
  const intraday = isIntraday([...(ho.train_time || []), ...(ho.test_time || [])]);
  const trials = ho.trials || [];
  const pair = (key) => [h('th', { class: 'num' }, `${label(key)} IS`), h('th', { class: 'num oos' }, `${label(key)} OOS`)];
  const oosCell = (key, v) => { const td = metricCell(key, v); td.classList.add('oos'); return td; };
  const keys = [objective, ...['return_pct', 'max_drawdown_pct', 'trades'].filter((k) => k !== objective)];
  return h('div', { class: 'panel', id: 'holdout-panel' },
    h('h2', {}, `Holdout: the top ${trials.length} trial${trials.length === 1 ? '' : 's'} in sample and out of sample`),
    h('div', { class: 'kv', id: 'holdout-spans', style: 'margin-bottom:12px' },
      h('div', { class: 'k' }, 'Train (in sample)'),
      h('div', { id: 'holdout-train' }, `${spanText(ho.train_time, intraday)}  (${barsText(ho.train)})`),
      h('div', { class: 'k' }, 'Test (held out)'),
      h('div', { id: 'holdout-test' }, `${spanText(ho.test_time, intraday)}  (${barsText(ho.test)})`)),
    h('div', { class: 'table-wrap' }, h('table', { id: 'holdout-table' },
      h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Rank'), h('th', { class: 'num' }, 'Trial'),
        h('th', {}, 'Parameters'), keys.map(pair), h('th', { class: 'num oos' }, 'OOS final equity'))),
      h('tbody', {}, trials.map((t, rank) => {
        const is = t.metrics || {};
        const oos = (t.oos && t.oos.metrics) || {};
        return h('tr', { 'data-index': t.index },
          h('td', { class: 'num' }, rank + 1), h('td', { class: 'num' }, `#${t.index}`),
          h('td', { class: 'mono' }, paramsText(t.params)),
          keys.map((k) => [metricCell(k, is[k]), oosCell(k, oos[k])]),
          h('td', { class: 'num oos', 'data-col': 'oos_final_equity' }, money(oos.final_equity)));
      })))),
    h('div', { class: 'hint' }, 'IS: over the train bars, where the trials were ranked. OOS: each trial run afresh from the ' +
      'starting cash over the held-out bars it never saw.'));
}
