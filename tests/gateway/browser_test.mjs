// The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against a real `sweep up --http` cluster on ephemeral loopback ports:
//   start an optimization from the form, watch the progress bar move and finish, open its trials
//   table (sort, page), heatmap and robustness panel (DSR, PBO, λ histogram); run a backtest from
//   the form and see its metrics and trades; start another optimization and cancel it from its
//   page; a walk-forward and a holdout optimization from the form and their panels against the
//   API's result (and the form's error when both are filled); no console errors anywhere.
// Screenshots of every page go to test-artifacts/ (or $SWEEP_ARTIFACTS). Every wait is on a
// condition with a deadline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = process.env.SWEEP_BIN_DIR || path.join(root, 'build', 'bin');
const artifacts = process.env.SWEEP_ARTIFACTS || path.join(root, 'test-artifacts');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
// Sanitized builds run the cluster several times slower (tests/CMakeLists.txt sets the factor);
// every deadline below is a plain-build deadline times this.
const slow = Number(process.env.SWEEP_TEST_TIMEOUT_FACTOR || 1);
const ms = (plain) => plain * slow;
// Misbehaving strategies: throw_at_bar fails a trial with an exception and its stack trace.
const testPlugin = path.join(process.env.SWEEP_LIB_DIR || path.join(root, 'build', 'lib'), 'libsweep_test_plugin.so');

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error(`playwright-core is not installed in ${here}/node_modules: run deploy/setup.sh`);
  process.exit(1);
}

fs.mkdirSync(artifacts, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-browser-'));
const log = fs.openSync(path.join(tmp, 'up.log'), 'w');

function startCluster() {
  const up = spawn(path.join(bin, 'sweep'), ['up', '--workers', '2', '--db', path.join(tmp, 's.db'),
    '--data-dir', path.join(root, 'data'), '--http', '127.0.0.1:0', '--plugin', testPlugin],
  { cwd: root, stdio: ['ignore', 'pipe', log] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`sweep up was not ready within ${ms(60)} s`)), ms(60000));
    up.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/^sweep up ready frontend=(\S+) http=(\S+)/m);
      if (m) { clearTimeout(timer); resolve({ up, frontend: m[1], base: m[2] }); }
    });
    up.on('exit', (code) => reject(new Error(`sweep up exited (${code}): ${fs.readFileSync(path.join(tmp, 'up.log'), 'utf8')}`)));
  });
}

let step = 0;

// Parameter `name` of the new-job form as the range start:stop:step.
async function fillRange(page, name, start, stop, step) {
  await page.selectOption(`select[name="mode-${name}"]`, 'range');
  await page.fill(`input[name="start-${name}"]`, start);
  await page.fill(`input[name="stop-${name}"]`, stop);
  await page.fill(`input[name="step-${name}"]`, step);
}

// The new-job form with sma_cross on GOOG over `fast` and `slow` ([start, stop, step] each),
// fast < slow. By default fast 2..50, slow 20..200 step 5.
async function newGoogSmaSpace(page, fast = ['2', '50', '1'], slow = ['20', '200', '5']) {
  await page.goto(`${base}/#/new`);
  await page.locator('#job-form').waitFor();
  await page.selectOption('#strategy', 'sma_cross');
  await page.selectOption('#dataset', { label: 'GOOG.csv' });
  await fillRange(page, 'fast', ...fast);
  await fillRange(page, 'slow', ...slow);
  await page.fill('input[name="constraint"]', 'fast < slow');
}

// The robustness panel of completed optimization `id` against its status JSON: the DSR and PBO
// as the status gives them (3 decimals), the reading with the PBO's percentage, and the λ
// histogram's Chart.js data: 16 bars, the status's counts, summing to C(S, S/2).
// The equity chart's x axis: the dataset's real bar dates (result.equity_time), first and last.
async function checkEquityDates(page, what, first, last, canvas = 'equity-chart') {
  const labels = await page.evaluate((id) => {
    const chart = window.Chart.getChart(document.getElementById(id));
    return chart ? chart.data.labels : null;
  }, canvas);
  check(Array.isArray(labels) && labels[0] === first && labels[labels.length - 1] === last,
    `${what}: the equity chart is dated ${first} .. ${last} (got ${labels && labels[0]} .. ${labels && labels[labels.length - 1]})`);
}

async function checkRobustness(page, id) {
  const rob = (await (await fetch(`${base}/api/optimizations/${id}/status`)).json()).result.robustness;
  check(rob && typeof rob.dsr === 'number' && typeof rob.pbo === 'number' && rob.pbo_logits,
    `the job has a DSR, a PBO and its histogram (got ${JSON.stringify(rob)})`);
  await page.locator('#robustness-panel').scrollIntoViewIfNeeded();
  const text = async (sel) => (await page.locator(sel).textContent()).trim();
  check(await text('#robustness-dsr .v') === rob.dsr.toFixed(3), `DSR ${rob.dsr.toFixed(3)} shown`);
  check(await text('#robustness-pbo .v') === rob.pbo.toFixed(3), `PBO ${rob.pbo.toFixed(3)} shown`);
  check((await text('#robustness-pbo .hint')).includes(`S = ${rob.pbo_blocks} blocks`), 'PBO with its S');
  const p = Math.round(rob.pbo * 100);
  const share = p === 0 && rob.pbo > 0 ? 'under 1%' : p === 100 && rob.pbo < 1 ? 'over 99%' : `${p}%`;
  const reading = await text('#robustness-reading');
  check(reading.includes(`PBO ${rob.pbo.toFixed(2)}: in ${share} of`), `the reading gives the PBO as ${share}: ${reading}`);
  check(reading.includes(`DSR ${rob.dsr.toFixed(2)}:`) && reading.includes(`best of ${rob.n_trials.toLocaleString('en-US')} trials`),
    `the reading explains the DSR: ${reading}`);
  await page.locator('#logit-chart').waitFor();
  const bars = await page.evaluate(() => {
    const chart = window.Chart.getChart(document.getElementById('logit-chart'));
    return chart && { type: chart.config.type, data: chart.data.datasets[0].data, labels: chart.data.labels };
  });
  let splits = 1;
  for (let i = 1; i <= rob.pbo_blocks / 2; i += 1) splits = (splits * (rob.pbo_blocks / 2 + i)) / i;
  check(bars && bars.type === 'bar' && bars.data.length === 16 && bars.labels.length === 16, 'a bar chart of 16 bins');
  check(bars.data.reduce((a, b) => a + b, 0) === splits, `the bins sum to C(${rob.pbo_blocks}, ${rob.pbo_blocks / 2}) = ${splits}`);
  check(JSON.stringify(bars.data) === JSON.stringify(rob.pbo_logits.counts), 'the bins are the status\'s counts');
  console.log(`robustness shown: DSR ${rob.dsr.toFixed(3)} PBO ${rob.pbo.toFixed(3)} over ${splits} splits`);
  await shot(page, 'optimization-robustness');
}

// GOOG's first and last bars (data/GOOG.csv), the ends of every walk-forward axis.
const GOOG_FIRST = '2004-08-19';
const GOOG_LAST = '2013-03-01';
const isoDate = (msTime) => new Date(msTime).toISOString().slice(0, 10);
const moneyText = (v) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// The form with a small grid: fast 5..30 step 5, slow 20..80 step 20, fast < slow (21 trials a
// window).
const newGoogSmallSpace = (page) => newGoogSmaSpace(page, ['5', '30', '5'], ['20', '80', '20']);

async function waitCompleted(page, what) {
  await page.waitForURL(/#\/optimizations\//);
  const id = page.url().split('/').pop();
  await page.locator('#job-status .badge[data-status="completed"]').waitFor({ timeout: ms(120000) });
  const status = await (await fetch(`${base}/api/optimizations/${id}/status`)).json();
  check(status.status === 'completed', `${what} completed`);
  return { id, status, job: await (await fetch(`${base}/api/optimizations/${id}`)).json() };
}

// The in-sample pace at time t (docs/WALK_FORWARD.md "Dashboard"), written out again here from
// the definition rather than taken from the page: window 0's cash_in, then over each window's test
// span (1 + r/100)^(days since its first test bar / 365.25) from where the previous window's line
// ended at its last test bar.
function paceAt(windows, t) {
  let start = windows[0].cash_in;
  for (const w of windows) {
    const r = w.best.metrics.return_ann_pct;
    const grow = (at) => start * (1 + r / 100) ** ((at - w.test_time[0]) / 86400000 / 365.25);
    if (t <= w.test_time[1]) return grow(t);
    start = grow(w.test_time[1]);
  }
  return null;
}

// A walk-forward job and a holdout job from the form; their panels against the API's result.
async function walkForwardAndHoldout(page) {
  // Both filled: an error next to the inputs at once, and no submit.
  await newGoogSmallSpace(page);
  await page.fill('#wf-train', '800');
  await page.fill('#wf-test', '400');
  await page.fill('#holdout-bars', '300');
  await page.locator('#oos-error:visible', { hasText: 'give one of the two' }).waitFor();
  check(await page.locator('#holdout-bars.invalid').count() === 1 && await page.locator('#wf-train.invalid').count() === 1,
    'both filled: the inputs are marked');
  await page.locator('#oos-panel').scrollIntoViewIfNeeded();
  await shot(page, 'new-walk-forward-and-holdout-error');
  await page.click('#submit-btn');
  await page.locator('#form-error:visible', { hasText: 'give one of the two' }).waitFor();
  check(page.url().endsWith('#/new'), 'both filled: nothing submitted');
  await page.fill('#holdout-bars', '');
  await page.locator('#oos-error').waitFor({ state: 'hidden' });
  check(await page.locator('#oos-panel .invalid').count() === 0, 'one of the two: no mark left');

  // Walk-forward 800:400 over GOOG's 2,148 bars: tests from bars 800, 1200, 1600, 2000: 4 windows.
  await shot(page, 'new-walk-forward-form');
  await page.click('#submit-btn');
  const wfJob = await waitCompleted(page, 'the walk-forward job');
  const sentWf = wfJob.job.spec.walk_forward || {};
  check(sentWf.train_bars === 800 && sentWf.test_bars === 400 && sentWf.anchored === false,
    `the form sent walk_forward 800:400 (got ${JSON.stringify(wfJob.job.spec.walk_forward)})`);
  check(!('holdout_bars' in wfJob.job.spec), 'and no holdout_bars');
  const wf = wfJob.status.result.walk_forward;
  check(wf && wf.windows.length >= 3 && wf.windows.length <= 5, `3 to 5 windows (got ${wf && wf.windows.length})`);
  await page.locator('#walk-forward-panel').waitFor();
  const rows = await page.locator('#wf-windows-table tbody tr').count();
  check(rows === wf.windows.length, `one table row per window: ${rows} rows, ${wf.windows.length} windows`);

  // The windows chart: a row per window, train and test spans at the API's bar times, the x axis
  // in dates from GOOG's first bar to its last.
  const wchart = await page.evaluate(() => {
    const c = window.Chart.getChart(document.getElementById('wf-windows-chart'));
    return c && { rows: c.data.labels.length, train: c.data.datasets[0].data, test: c.data.datasets[1].data,
      min: c.scales.x.min, max: c.scales.x.max, ticks: c.scales.x.ticks.map((t) => t.label) };
  });
  check(wchart && wchart.rows === wf.windows.length, `the windows chart has ${wf.windows.length} rows`);
  check(JSON.stringify(wchart.train) === JSON.stringify(wf.windows.map((w) => w.train_time)) &&
    JSON.stringify(wchart.test) === JSON.stringify(wf.windows.map((w) => w.test_time)),
  'the windows chart spans are the API\'s train_time and test_time');
  check(isoDate(wchart.min) === GOOG_FIRST && isoDate(wchart.max) === GOOG_LAST,
    `the windows axis runs ${GOOG_FIRST} .. ${GOOG_LAST} (got ${isoDate(wchart.min)} .. ${isoDate(wchart.max)})`);
  check(wchart.ticks.length >= 2 && wchart.ticks.every((l) => /^\d{4}-\d{2}-\d{2}$/.test(l) && l >= GOOG_FIRST && l <= GOOG_LAST),
    `the windows axis is labelled with dates (got ${wchart.ticks.join(', ')})`);

  // The stitched equity over its dates, from the first test bar's to GOOG's last, against the
  // in-sample pace computed here from the API's windows.
  await checkEquityDates(page, 'walk-forward', isoDate(wf.equity_time[0]), GOOG_LAST, 'wf-equity-chart');
  check(isoDate(wf.equity_time[0]) === isoDate(wf.windows[0].test_time[0]), 'the stitched curve starts on the first test bar');
  const echart = await page.evaluate(() => {
    const c = window.Chart.getChart(document.getElementById('wf-equity-chart'));
    return c && c.data.datasets.map((d) => ({ label: d.label, data: d.data }));
  });
  check(echart.length === 2 && JSON.stringify(echart[0].data) === JSON.stringify(wf.equity), 'the equity line is result.walk_forward.equity');
  const pace = echart[1].data;
  check(pace.length === wf.equity_time.length && pace.every((v, i) => Math.abs(v - paceAt(wf.windows, wf.equity_time[i])) <= 1e-6 * Math.abs(v)),
    `the in-sample pace follows its definition (first ${pace[0]}, last ${pace[pace.length - 1]}, ` +
    `expected ${paceAt(wf.windows, wf.equity_time[wf.equity_time.length - 1])})`);

  // The efficiency in words, and the last window's final equity.
  const effText = (await page.locator('#wf-efficiency').textContent()).trim();
  if (typeof wf.efficiency === 'number') {
    check(effText.startsWith(`efficiency ${wf.efficiency.toFixed(2)}:`), `the efficiency reads ${wf.efficiency.toFixed(2)}: ${effText}`);
    if (wf.efficiency >= 0) {
      check(effText.includes(`earned ${Math.round(wf.efficiency * 100)}% of the annualised return`), `the efficiency as a share: ${effText}`);
    }
  } else {
    check(effText.startsWith('efficiency —:'), `a null efficiency reads — with why: ${effText}`);
  }
  const lastFinal = (await page.locator('#wf-windows-table tbody tr').last().locator('td[data-col="final_equity"]').textContent()).trim();
  const apiFinal = wf.windows[wf.windows.length - 1].final_equity;
  check(lastFinal === moneyText(apiFinal), `the last window's final equity ${moneyText(apiFinal)} (got ${lastFinal})`);
  check(Math.abs(apiFinal - wf.metrics.final_equity) < 0.005, 'the last window ends where the stitched account does');
  const stab = await page.locator('#wf-stability tbody tr').count();
  check(stab === Object.keys(wf.stability).length, `a stability row per parameter (${stab})`);
  check(await page.locator('#wf-stability tbody tr[data-param="fast"] td.num').count() === wf.windows.length + 1,
    'fast: a value per window and the distinct count');
  // The best train trial's curve covers its window's train bars, not the dataset result.equity_time dates.
  const bestLabels = await page.evaluate(() => window.Chart.getChart(document.getElementById('equity-chart')).data.labels);
  check(bestLabels[0] === 0 && bestLabels.length === wfJob.status.result.top.find((t) => t.index === wfJob.status.result.best.index).equity.length,
    `the best train trial's curve is over positions (got ${bestLabels.slice(0, 2)})`);
  check(await page.locator('#robustness-panel').count() === 0 && await page.locator('#robustness-absent').count() === 1,
    'a walk-forward job: no robustness panel, a note instead');
  await page.locator('#heatmap-absent').waitFor();
  check(await page.locator('#heatmap-panel').count() === 0, 'a walk-forward job: no heatmap over every window\'s trials');
  console.log(`walk-forward shown: ${wf.windows.length} windows, final equity ${moneyText(apiFinal)}, efficiency ${wf.efficiency}`);
  await shot(page, 'walk-forward-completed');
  await shot(page, 'walk-forward-panel', page.locator('#walk-forward-panel'));

  // Holdout of the last 648 bars: train [0, 1500), test [1500, 2148).
  await newGoogSmallSpace(page);
  await page.fill('#holdout-bars', '648');
  await page.click('#submit-btn');
  const hoJob = await waitCompleted(page, 'the holdout job');
  check(hoJob.job.spec.holdout_bars === 648 && !('walk_forward' in hoJob.job.spec),
    `the form sent holdout_bars 648 (got ${JSON.stringify(hoJob.job.spec)})`);
  const ho = hoJob.status.result.holdout;
  check(ho && ho.trials.length > 0 && JSON.stringify(ho.test) === '[1500,2148]', `a holdout of [1500, 2148) (got ${ho && ho.test})`);
  await page.locator('#holdout-table').waitFor();
  const hoRows = page.locator('#holdout-table tbody tr');
  check(await hoRows.count() === ho.trials.length, `one row per holdout trial (${ho.trials.length})`);
  check(await hoRows.first().getAttribute('data-index') === String(ho.trials[0].index), 'the best first');
  const oosFinal = (await hoRows.first().locator('td[data-col="oos_final_equity"]').textContent()).trim();
  check(oosFinal === moneyText(ho.trials[0].oos.metrics.final_equity), `OOS final equity ${oosFinal}`);
  const spans = await page.locator('#holdout-spans').textContent();
  check(spans.includes(`${GOOG_FIRST} … ${isoDate(ho.train_time[1])}`) && spans.includes(`${isoDate(ho.test_time[0])} … ${GOOG_LAST}`),
    `the holdout spans as dates: ${spans}`);
  // The best train trial's curve covers the train bars [0, 1500), dated by result.equity_time.
  await checkEquityDates(page, 'holdout best', GOOG_FIRST, isoDate(ho.train_time[1]));
  await page.locator('#robustness-absent', { hasText: 'holdout' }).waitFor();
  check(await page.locator('#robustness-panel').count() === 0, 'a holdout job: no robustness panel');
  console.log(`holdout shown: ${ho.trials.length} trials, test from ${isoDate(ho.test_time[0])}`);
  await shot(page, 'holdout-completed');
  await shot(page, 'holdout-panel', page.locator('#holdout-panel'));
}

async function shot(page, name, locator = null) {
  step += 1;
  const file = path.join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`);
  // A panel alone when given (a long page's full shot shrinks it past reading).
  if (locator) await locator.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// A second gateway on the same broker that wants a token.
function startTokenGateway(frontend, token) {
  const gw = spawn(path.join(bin, 'sweep-gateway'), ['--listen', '127.0.0.1:0', '--broker', frontend,
    '--token', token], { stdio: ['ignore', 'pipe', log] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`sweep-gateway was not ready within ${ms(30)} s`)), ms(30000));
    gw.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/^sweep-gateway ready (\S+)/m);
      if (m) { clearTimeout(timer); resolve({ gw, url: m[1] }); }
    });
  });
}

const { up, frontend, base } = await startCluster();
let tokenGw = null;
console.log(`cluster at ${base}`);
const browser = await chromium.launch({ executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
const consoleErrors = [];
let failed = false;
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(ms(30000));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  // Workers first: the header shows them.
  await page.goto(`${base}/#/`);
  await page.locator('#cluster', { hasText: '2 workers' }).waitFor({ timeout: ms(30000) });
  await page.locator('#jobs-table').waitFor();
  await shot(page, 'jobs-empty');

  // --- An optimization from the form -----------------------------------------------------
  await page.click('#new-job-link');
  await page.locator('#job-form').waitFor();
  await page.selectOption('#strategy', 'sma_cross');
  await page.selectOption('#dataset', { label: 'Synthetic random walk…' });
  // Long enough (~5 s) for the bar to be seen between 0 and 100 (a sanitized cluster is slower).
  const optBars = slow > 1 ? 300000 : 1500000;
  await page.fill('input[name="synthetic-bars"]', String(optBars));
  await fillRange(page, 'fast', '2', '50', '1');
  await page.selectOption('select[name="mode-slow"]', 'list');
  await page.fill('input[name="list-slow"]', '60, 80, 100, 120, 140, 160, 180, 200');
  await page.check('input[name="choice-mode"][value="long_only"]');
  await page.check('input[name="choice-mode"][value="long_short"]');
  await page.fill('input[name="constraint"]', 'fast < slow');
  await page.selectOption('select[name="objective"]', 'return_pct');
  await page.locator('#trial-count', { hasText: '784 combinations' }).waitFor();
  await shot(page, 'new-optimization-form');
  await page.click('#submit-btn');
  await page.waitForURL(/#\/optimizations\//);
  const optUrl = page.url();

  // The bar moves, then finishes; the values seen on the way are kept.
  const seen = new Set();
  let midShot = false;
  const deadline = Date.now() + ms(120000);
  for (;;) {
    const p = await page.locator('#job-progress').getAttribute('data-progress').catch(() => null);
    if (p !== null) seen.add(Number(p));
    const status = await page.locator('#job-status .badge').getAttribute('data-status').catch(() => null);
    if (!midShot && p !== null && Number(p) > 0 && Number(p) < 100) {
      await shot(page, 'optimization-running');
      midShot = true;
    }
    if (status === 'completed') break;
    check(Date.now() < deadline, `the optimization to complete within ${ms(120)} s`);
    check(!['failed', 'cancelled'].includes(status), `the optimization ended ${status}`);
    await page.waitForTimeout(100);
  }
  seen.add(Number(await page.locator('#job-progress').getAttribute('data-progress')));
  const values = [...seen].sort((a, b) => a - b);
  console.log(`progress values seen: ${values.join(' ')}`);
  check(values[values.length - 1] === 100, 'the bar reached 100%');
  check(values.some((v) => v > 0 && v < 100), 'the bar moved through intermediate values');
  check((await page.locator('[data-stat="completed"] .v').textContent()).trim() === '784', 'completed count 784');

  // Polling stops once the job is terminal: no status request within two poll periods.
  let statusRequests = 0;
  const onRequest = (r) => { if (r.url().includes('/status')) statusRequests += 1; };
  page.on('request', onRequest);
  await page.locator('#trials-table tbody tr').first().waitFor();
  await page.waitForTimeout(2500);  // a window to observe the absence of polls, not a sync sleep
  page.off('request', onRequest);
  check(statusRequests === 0, `no status polls after the job completed (saw ${statusRequests})`);

  await page.locator('#equity-chart').waitFor();
  await page.locator('#metrics-table').waitFor();
  // The history chart: every trial in index order with the best so far.
  await page.locator('#history-chart[data-points="784"]').waitFor({ timeout: ms(30000) });
  check((await page.locator('#history-note').textContent()).includes('784 trials'), 'history of 784 trials');
  check(await page.locator('#cancel-btn').isHidden(), 'no cancel button on a finished job');
  await shot(page, 'optimization-completed');
  // Synthetic bars: one a minute from 2020-01-01T00:00Z, without gaps.
  const lastBar = new Date(Date.UTC(2020, 0, 1) + (optBars - 1) * 60000).toISOString();
  await checkEquityDates(page, 'optimization', '2020-01-01 00:00', `${lastBar.slice(0, 10)} ${lastBar.slice(11, 16)}`);
  await checkRobustness(page, optUrl.split('/').pop());

  // Trials: 50 a page; sort by a metric header; next page.
  check(await page.locator('#trials-table tbody tr').count() === 50, '50 trials on the first page');
  await page.click('#trials-table th[data-sort="sharpe"]');
  await page.locator('#trials-table th.sorted[data-sort="sharpe"]').waitFor();
  const sharpe = async () => page.$$eval('#trials-table tbody tr', (rows) => rows.map((r) => r.dataset.index));
  const firstPage = await sharpe();
  await page.click('#trials-next');
  await page.locator('#trials-prev:not([disabled])').waitFor();
  const secondPage = await sharpe();
  check(secondPage.length === 50 && secondPage[0] !== firstPage[0], 'the second page differs');
  await page.locator('#trials').scrollIntoViewIfNeeded();
  await shot(page, 'optimization-trials');

  // Heatmap: 49 fast values x 8 slow values.
  await page.locator('#heatmap table').waitFor();
  const cells = await page.locator('#heatmap tbody td').count();
  check(cells === 392, `heatmap has 392 cells (got ${cells})`);
  await page.selectOption('#heatmap-x', 'slow');
  await page.selectOption('#heatmap-y', 'fast');
  await page.locator('#heatmap thead th', { hasText: '200' }).first().waitFor();
  await page.locator('#heatmap-panel').scrollIntoViewIfNeeded();
  await shot(page, 'optimization-heatmap');

  // Laptop and wide-screen sizes of the finished job.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(optUrl);
  await page.locator('#trials-table tbody tr').first().waitFor();
  await page.locator('#heatmap table').waitFor();
  await shot(page, 'optimization-laptop-1280');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.locator('#equity-chart').waitFor();
  await shot(page, 'optimization-wide-1920');
  await page.setViewportSize({ width: 1440, height: 900 });

  // --- A backtest from the form ----------------------------------------------------------
  await page.goto(`${base}/#/new`);
  await page.locator('#job-form').waitFor();
  await page.click('#kind button[data-kind="backtest"]');
  // Upload a CSV from the form: it is stored and selected.
  const csv = ['Date,Open,High,Low,Close,Volume',
    ...Array.from({ length: 40 }, (_, i) => `2024-02-${String(i % 28 + 1).padStart(2, '0')}`)
      .slice(0, 28).map((d, i) => `${d},${100 + i},${102 + i},${99 + i},${101 + (i % 5)},${1000 + i}`)].join('\n');
  await page.setInputFiles('#upload-file', { name: 'tiny upload.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#upload-btn');
  await page.locator('#upload-msg', { hasText: 'Stored tiny_upload.csv: 28 bars' }).waitFor();
  const chosen = await page.$eval('#dataset', (s) => s.options[s.selectedIndex].textContent);
  check(chosen.startsWith('tiny_upload.csv'), `the upload is selected (got ${chosen})`);
  await shot(page, 'new-backtest-upload');
  await page.selectOption('#dataset', { label: 'GOOG.csv' });
  await page.fill('input[name="value-fast"]', '10');
  await page.fill('input[name="value-slow"]', '30');
  await page.selectOption('select[name="value-mode"]', 'long_short');
  await shot(page, 'new-backtest-form');
  await page.click('#submit-btn');
  await page.waitForURL(/#\/backtests\//);
  await page.locator('#job-status .badge[data-status="completed"]').waitFor({ timeout: ms(60000) });
  await page.locator('#metrics-table').waitFor();
  await page.locator('#trades').waitFor();
  const metricsText = await page.locator('#metrics-table').textContent();
  check(metricsText.includes('51,422.99'), 'final equity 51,422.99 in the metrics table');
  await checkEquityDates(page, 'backtest', '2004-08-19', '2013-03-01');
  await shot(page, 'backtest-completed');

  // --- Another optimization, cancelled from its page ---------------------------------------
  await page.goto(`${base}/#/new`);
  await page.locator('#job-form').waitFor();
  await page.selectOption('#dataset', { label: 'Synthetic random walk…' });
  // ~4,000 trials over 1M bars (about a minute on 2 workers): it must still be running when the
  // cancel arrives (at 300k bars x 2,000 trials it once finished first and the cancel got 409).
  // A sanitized cluster runs it several times slower, so 300k bars last as long there, and the
  // submit (the broker generates and stores the bars: 7 s for 1M under TSan) stays well inside
  // the gateway's broker timeout.
  await page.fill('input[name="synthetic-bars"]', slow > 1 ? '300000' : '1000000');
  await fillRange(page, 'fast', '2', '101', '1');
  await fillRange(page, 'slow', '110', '300', '5');
  await page.click('#submit-btn');
  await page.waitForURL(/#\/optimizations\//);
  await page.locator('#job-status .badge[data-status="running"]').waitFor({ timeout: ms(60000) });
  await page.locator('#cancel-btn:visible').waitFor();
  await shot(page, 'optimization-before-cancel');
  await page.click('#cancel-btn');
  await page.locator('#job-status .badge[data-status="cancelled"]').waitFor({ timeout: ms(60000) });
  check(await page.locator('#cancel-btn').isHidden(), 'the cancel button is gone');
  await page.locator('#robustness-absent', { hasText: 'only when an optimization completes' }).waitFor();
  check(await page.locator('#robustness-panel').count() === 0, 'no robustness panel on a cancelled job');
  await shot(page, 'optimization-cancelled');

  // --- Failed trials show their error and stack trace ----------------------------------------
  const submitted = await fetch(`${base}/api/optimizations`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ dataset: { path: 'GOOG.csv' }, strategy: 'throw_at_bar', space: { bar: [-1, 100, 200] } }),
  });
  check(submitted.status === 202, `throw_at_bar submit: ${submitted.status}`);
  const { id: failingId } = await submitted.json();
  await page.goto(`${base}/#/optimizations/${failingId}`);
  await page.locator('#job-status .badge[data-status="completed"]').waitFor({ timeout: ms(60000) });
  const failedRows = page.locator('#trials-table tbody tr[data-status="failed"]');
  await failedRows.nth(1).waitFor();
  check((await failedRows.first().textContent()).includes('boom at bar'), 'the error message is shown');
  await failedRows.first().locator('details.trace summary').click();
  await failedRows.first().locator('details.trace pre').waitFor();
  check((await page.locator('[data-stat="failed"] .v').textContent()).trim() === '2', 'failed count 2');
  // One completed trial: no statistic is defined, so every value reads n/a and the histogram's
  // absence is explained.
  await page.locator('#robustness-panel #logit-note', { hasText: 'fewer than 2 trials' }).waitFor();
  check((await page.locator('#robustness-dsr .v').textContent()).trim() === 'n/a', 'a null DSR reads n/a');
  check((await page.locator('#robustness-pbo .v').textContent()).trim() === 'n/a', 'a null PBO reads n/a');
  check(await page.locator('#logit-chart').count() === 0, 'no λ chart without a PBO');
  await shot(page, 'optimization-failed-trials');

  // --- An adaptive (tpe) optimization from the form, and its history ----------------------------
  await newGoogSmaSpace(page);
  await page.selectOption('select[name="method"]', 'tpe');
  await page.fill('input[name="random-n"]', '30');
  await page.fill('input[name="tpe-startup"]', '6');
  await page.fill('input[name="tpe-batch"]', '4');
  await page.locator('#trial-count', { hasText: 'adaptive search of 30' }).waitFor();
  await shot(page, 'new-tpe-form');
  await page.click('#submit-btn');
  await page.waitForURL(/#\/optimizations\//);
  const tpeId = page.url().split('/').pop();
  await page.locator('#job-status .badge[data-status="completed"]').waitFor({ timeout: ms(60000) });
  await page.locator('#history-chart[data-points="30"]').waitFor({ timeout: ms(30000) });
  check((await page.locator('[data-stat="completed"] .v').textContent()).trim() === '30', 'tpe completed count 30');
  const tpeJob = await (await fetch(`${base}/api/optimizations/${tpeId}`)).json();
  const method = tpeJob.spec && tpeJob.spec.method && tpeJob.spec.method.tpe;
  check(method && method.n === 30 && method.startup === 6 && method.batch === 4,
    `the form sent method tpe n 30 startup 6 batch 4 (got ${JSON.stringify(tpeJob.spec && tpeJob.spec.method)})`);
  await page.locator('#history-panel').scrollIntoViewIfNeeded();
  await shot(page, 'optimization-tpe-history');

  // --- The same space as a grid that stops on the tpe search's best value ----------------------
  const target = tpeJob.best.metrics.sharpe;
  await newGoogSmaSpace(page);
  await page.fill('input[name="target-value"]', String(target));
  await page.click('#submit-btn');
  await page.waitForURL(/#\/optimizations\//);
  const stopId = page.url().split('/').pop();
  await page.locator('#job-status .badge[data-status="completed"]').waitFor({ timeout: ms(60000) });
  await page.locator('#job-stopped', { hasText: 'Stopped on target: trial #' }).waitFor();
  const stopJob = await (await fetch(`${base}/api/optimizations/${stopId}`)).json();
  check(stopJob.spec.stop && stopJob.spec.stop.value === target,
    `the form sent stop.value ${target} (got ${JSON.stringify(stopJob.spec.stop)})`);
  const stoppedAt = stopJob.result.stopped.trial;
  check(stopJob.completed + stopJob.failed === stoppedAt + 1 && stoppedAt + 1 < stopJob.total,
    `a stopped grid has the trials up to trial ${stoppedAt} of ${stopJob.total} (got ${stopJob.completed} + ${stopJob.failed})`);
  check(stopJob.result.best.metrics.sharpe >= target, 'the stopped grid reached the target');
  await shot(page, 'optimization-stopped-on-target');

  await walkForwardAndHoldout(page);

  // --- The jobs list with all of them --------------------------------------------------------
  await page.click('a[data-nav="jobs"]');
  await page.locator('#jobs-table tbody tr[data-id]').nth(2).waitFor();
  await page.locator('#jobs-table .badge[data-status="cancelled"]').waitFor();
  await shot(page, 'jobs-list');
  await page.selectOption('#filter-status', 'cancelled');
  await page.locator('#jobs-table tbody tr[data-id] .badge[data-status="completed"]').first()
    .waitFor({ state: 'detached' });
  check(await page.locator('#jobs-table tbody tr[data-id]').count() === 1, 'one cancelled job');
  await page.selectOption('#filter-kind', 'backtest');
  await page.locator('#jobs-table td.empty', { hasText: 'No job matches' }).waitFor();
  await page.selectOption('#filter-status', '');
  await page.locator('#jobs-table tbody tr[data-id]').first().waitFor();
  check(await page.locator('#jobs-table tbody tr[data-id]').count() === 1, 'one backtest');

  // --- The same dashboard behind --token: it asks for the token, then works ---------------
  const secured = await startTokenGateway(frontend, 'browser-secret');
  tokenGw = secured.gw;
  const tokenPage = await context.newPage();
  tokenPage.setDefaultTimeout(ms(30000));
  const tokenErrors = [];
  tokenPage.on('console', (m) => {
    // The first API calls are refused with 401 before the token is given: that is the point.
    if (m.type() === 'error' && !m.text().includes('401')) tokenErrors.push(`console: ${m.text()}`);
  });
  tokenPage.on('pageerror', (e) => tokenErrors.push(`page error: ${e.message}`));
  await tokenPage.goto(`${secured.url}/#/`);
  await tokenPage.locator('#token-form:visible').waitFor();
  await shot(tokenPage, 'token-asked');
  await tokenPage.fill('#token-input', 'browser-secret');
  await tokenPage.click('#token-form button');
  await tokenPage.locator('#jobs-table tbody tr[data-id]').nth(2).waitFor();
  check(await tokenPage.locator('#token-form').isHidden(), 'the token form is gone');
  await shot(tokenPage, 'token-jobs-list');
  check(tokenErrors.length === 0, `no console errors behind the token, got:\n${tokenErrors.join('\n')}`);

  check(consoleErrors.length === 0, `no console errors, got:\n${consoleErrors.join('\n')}`);
  console.log('browser test passed');
} catch (e) {
  failed = true;
  console.error(e.stack || e.message);
  if (page) await shot(page, 'failure').catch(() => {});
  if (consoleErrors.length) console.error(`console errors:\n${consoleErrors.join('\n')}`);
  console.error(`sweep up log:\n${fs.readFileSync(path.join(tmp, 'up.log'), 'utf8').slice(-3000)}`);
} finally {
  await browser.close();
  if (tokenGw) tokenGw.kill('SIGTERM');
  up.kill('SIGINT');
  await new Promise((r) => { if (up.exitCode !== null) r(); else up.on('exit', r); setTimeout(r, ms(20000)); });
  // A sanitized broker, worker or gateway killed by a report may have been restarted (sweep up
  // restarts workers) while the page still worked: the report fails the test, whole.
  const upLog = fs.readFileSync(path.join(tmp, 'up.log'), 'utf8');
  const report = upLog.search(/ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:/);
  if (report >= 0) {
    failed = true;
    console.error(`a process printed a sanitizer report:\n${upLog.slice(report, report + 6000)}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
