// End-to-end tests of the web page in headless Chromium against a real
// pactlogd with the demo record loaded (web/test.sh sets it up). Every
// expectation compares what the page shows with what the test itself reads
// from the HTTP/JSON API, and waits for it by polling with a deadline, as
// Playwright's expect does: nothing sleeps a fixed time.
//
// Environment: PACTLOG_URL (the page and API), PACTLOG_GRPC_ADDRESS and
// PACTCTL (to append an event), PACTLOG_SCREENSHOTS (a directory), CHROMIUM.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const BASE = required('PACTLOG_URL');
const GRPC = required('PACTLOG_GRPC_ADDRESS');
const PACTCTL = required('PACTCTL');
const SHOTS = required('PACTLOG_SCREENSHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const JAPAN = 'us-japan-2025';
const KOREA = 'us-korea-2025';
const STAGES = ['ceiling', 'allocated', 'pledged', 'approved', 'disbursed'];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

function required(name) {
  if (!process.env[name]) throw new Error(`${name} is not set (web/test.sh sets it)`);
  return process.env[name];
}

// ---- the API, read directly -------------------------------------------

async function api(path, params = {}) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${BASE}${path}${query ? `?${query}` : ''}`);
  const body = await response.json();
  return { status: response.status, body };
}

async function apiOk(path, params) {
  const { status, body } = await api(path, params);
  if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

// The funnel's figures of a GetDeal answer, as minor-unit strings (an
// absent Money is 0, as the page shows it).
async function apiFunnel(dealId, params = {}) {
  const { deal, logSequence } = await apiOk(`/v1/deals/${dealId}`, params);
  const minor = (money) => money?.minorUnits ?? '0';
  return {
    figures: {
      ceiling: minor(deal.commitmentCeiling),
      allocated: minor(deal.allocated),
      pledged: minor(deal.totals?.pledged),
      approved: minor(deal.totals?.approved),
      disbursed: minor(deal.totals?.disbursed),
    },
    logSequence,
    deal,
  };
}

async function apiEvents(dealId) {
  const events = [];
  let after = '0';
  for (;;) {
    const page = await apiOk(`/v1/deals/${dealId}/events`, { after_sequence: after, limit: '1000' });
    events.push(...page.events);
    if (BigInt(page.lastExaminedSequence) >= BigInt(page.headSequence)) return events;
    after = page.lastExaminedSequence;
  }
}

// ---- waiting and asserting ------------------------------------------

// Polls `probe` until `accept(value)` holds; fails with the last value
// seen after `timeout` ms.
async function waitFor(what, probe, accept, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// ---- the page ---------------------------------------------------------

async function pageFunnel(page) {
  return page.evaluate((stages) => {
    const figures = {};
    for (const stage of stages) {
      figures[stage] = document.querySelector(`[data-testid="funnel-${stage}"]`)?.dataset.minorUnits ?? null;
    }
    return { figures, logSequence: document.querySelector('[data-testid="log-sequence"]')?.textContent ?? null };
  }, STAGES);
}

// Waits until the page shows exactly the API's funnel (and log sequence).
async function expectFunnel(page, expected, what) {
  await waitFor(
    `the funnel of ${what}`,
    () => pageFunnel(page),
    (shown) => same(shown.figures, expected.figures) && shown.logSequence === expected.logSequence,
  );
}

async function eventRows(page) {
  return page.getByTestId('event-row').count();
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // Playwright gives each launch a fresh temporary profile of its own.
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

// Every console message of level error or warning, and every uncaught
// exception, of every page: none is expected unless a test allows it.
const problems = [];
async function openPage({ viewport = DESKTOP, hash = '' } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push({ page: page.url(), text: `${message.type()}: ${message.text()}`, allowed: page.allowProblem?.(message.text()) });
    }
  });
  page.on('pageerror', (error) => problems.push({ page: page.url(), text: `page error: ${error.message}` }));
  await page.goto(`${BASE}/${hash}`);
  await page.getByTestId('deal-select').and(page.locator(':enabled')).waitFor();
  return page;
}

function unexpectedProblems() {
  return problems.filter((problem) => !problem.allowed);
}

async function shoot(target, name, options = {}) {
  await target.screenshot({ path: join(SHOTS, `${name}.png`), ...options });
}

// ---- the tests --------------------------------------------------------

const tests = [];
const test = (name, body) => tests.push({ name, body });

let page; // the desktop page most tests share, at us-japan-2025 "now"

test('the page loads, lists both demo deals, and logs no error', async () => {
  const { deals } = await apiOk('/v1/deals');
  const ids = deals.map((deal) => deal.dealId);
  assert(ids.includes(JAPAN) && ids.includes(KOREA), `the API lists ${ids}, not both demo deals`);
  page = await openPage();
  const options = await page.getByTestId('deal-select').locator('option').evaluateAll((list) => list.map((o) => o.value));
  assert(same(options, ids), `the deal select lists ${options}, the API ${ids}`);
  await expectFunnel(page, await apiFunnel(options[0]), options[0]);
  assert(unexpectedProblems().length === 0, `console: ${JSON.stringify(unexpectedProblems())}`);
  await shoot(page, 'overview', { clip: { x: 0, y: 0, width: DESKTOP.width, height: DESKTOP.height } });
});

test('for each deal the funnel shows GetDeal\'s exact minor units', async () => {
  for (const dealId of [KOREA, JAPAN]) {
    await page.getByTestId('deal-select').selectOption(dealId);
    await expectFunnel(page, await apiFunnel(dealId), dealId);
    const ceiling = await page.getByTestId('funnel-ceiling').textContent();
    assert(/^[A-Z]{3} [\d,]+(\.\d+)?$/.test(ceiling), `the ceiling reads "${ceiling}", not "USD 1,234.56"-style`);
  }
  await shoot(page.locator('#breakdowns-view'), 'breakdowns');
  await shoot(page.locator('#tariffs-view'), 'tariffs');
});

test('the events table has one row per event of the deal', async () => {
  for (const dealId of [KOREA, JAPAN]) {
    await page.getByTestId('deal-select').selectOption(dealId);
    const expected = (await apiEvents(dealId)).length;
    assert(expected > 0, `the API has no event of ${dealId}`);
    await waitFor(`${expected} event rows for ${dealId}`, () => eventRows(page), (rows) => rows === expected);
  }
  await shoot(page.locator('#events-view'), 'events');
});

test('the map shades each state with projects (OH, TX, GA) and no other', async () => {
  const { deal } = await apiFunnel(JAPAN);
  const withProjects = deal.byUsState.map((entry) => entry.usState).filter(Boolean).sort();
  for (const state of ['GA', 'OH', 'TX']) assert(withProjects.includes(state), `the API has no project in ${state}`);
  const shaded = await waitFor(
    'the states with projects shaded',
    () =>
      page.locator('[data-testid="us-map"] path').evaluateAll((paths) =>
        paths.map((path) => ({ state: path.dataset.state, fill: path.getAttribute('fill'), projects: path.classList.contains('has-projects') })),
      ),
    (paths) => same(paths.filter((p) => p.projects).map((p) => p.state).sort(), withProjects),
  );
  const greys = new Set(shaded.filter((p) => !p.projects).map((p) => p.fill));
  assert(greys.size === 1, `states without projects have fills ${[...greys]}`);
  for (const state of withProjects) {
    const fill = shaded.find((p) => p.state === state)?.fill;
    assert(fill && !greys.has(fill), `${state} is drawn in ${fill}, like the states without projects`);
  }
  assert(shaded.length >= 50, `only ${shaded.length} states drawn`);
  await shoot(page.locator('#map-view'), 'map');
});

test('Tab reaches the deal select and the keyboard switches the deal', async () => {
  const keyboardPage = await openPage({ hash: `#deal=${JAPAN}` });
  await expectFunnel(keyboardPage, await apiFunnel(JAPAN), JAPAN);
  let focused = '';
  for (let presses = 0; presses < 10 && focused !== 'deal-select'; presses += 1) {
    await keyboardPage.keyboard.press('Tab');
    focused = await keyboardPage.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.tagName);
  }
  assert(focused === 'deal-select', `10 Tab presses did not reach the deal select (focus on ${focused})`);
  await keyboardPage.keyboard.press('ArrowDown');
  await expectFunnel(keyboardPage, await apiFunnel(KOREA), `${KOREA} after ArrowDown`);
  assert(keyboardPage.url().includes(`deal=${KOREA}`), `the URL ${keyboardPage.url()} does not name ${KOREA}`);
  await keyboardPage.context().close();
});

// A datetime-local value as Chromium normalises it (no zero seconds or
// milliseconds) for an RFC 3339 UTC time, and the time it stands for.
// An RFC 3339 UTC time ("...T05:32:28.656123Z", 0 to 9 fraction digits)
// in nanoseconds since the epoch, as a BigInt.
function timeNanos(rfc3339) {
  const [, whole, fraction = ''] = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  return BigInt(Date.parse(`${whole}Z`)) * 1000000n + BigInt(fraction.padEnd(9, '0'));
}

// What a datetime-local input holds for `rfc3339`, spelled as Chromium
// normalizes it (Playwright's fill refuses any other spelling as
// "Malformed value"): no zero seconds, no trailing zeros in the fraction.
function inputValue(rfc3339) {
  const iso = new Date(rfc3339).toISOString();
  if (iso.endsWith(':00.000Z')) return iso.slice(0, 16);
  return iso.slice(0, 23).replace(/\.?0+$/, '');
}

async function showAsOf(target, { effective = '', recorded = '' }) {
  await target.getByTestId('asof-effective').fill(effective ? inputValue(effective) : '');
  await target.getByTestId('asof-recorded').fill(recorded ? inputValue(recorded) : '');
  await target.getByTestId('asof-apply').click();
}

test('as of an effective time the figures are the API\'s then, not now\'s', async () => {
  const effective = '2026-02-15T00:00:00Z'; // the $55B report stands, the first batch is not announced
  const now = await apiFunnel(JAPAN);
  const then = await apiFunnel(JAPAN, { 'as_of.effective_time': effective });
  assert(!same(then.figures, now.figures), `the API gives the same figures at ${effective} as now`);
  await showAsOf(page, { effective });
  await expectFunnel(page, then, `${JAPAN} in force at ${effective}`);
  assert(page.url().includes(`effective=${encodeURIComponent(effective)}`), `the URL ${page.url()} keeps no as-of`);
  await shoot(page, 'asof', { fullPage: false });
  // The link reproduces the view.
  const linked = await openPage({ hash: new URL(page.url()).hash });
  await expectFunnel(linked, then, `${JAPAN} from the link ${linked.url()}`);
  await linked.context().close();
});

test('as of a recorded time the figures are what the record said then', async () => {
  // Just before the first allocation was recorded: the record knew the
  // deal and its projects, and no allocation yet.
  const events = await apiEvents(JAPAN);
  const firstAllocation = events.find((event) => event.data.announcement?.allocation);
  assert(firstAllocation, 'the demo record has no allocation event');
  const recorded = new Date(Date.parse(firstAllocation.recordedTime) - 1).toISOString();
  const now = await apiFunnel(JAPAN);
  const then = await apiFunnel(JAPAN, { 'as_of.recorded_time': recorded });
  assert(then.figures.allocated !== now.figures.allocated, `the API gives the allocated figure at ${recorded} as now`);
  await showAsOf(page, { recorded });
  await expectFunnel(page, then, `${JAPAN} as recorded at ${recorded}`);
  // Recorded times have nanoseconds: events of the same millisecond as
  // `recorded` but after it are not in the record as it stood then.
  const expectedRows = events.filter((e) => timeNanos(e.recordedTime) <= timeNanos(recorded)).length;
  assert(expectedRows < events.length, `every event was recorded by ${recorded}`);
  await waitFor(`the ${expectedRows} events recorded by ${recorded}`, () => eventRows(page), (rows) => rows === expectedRows);
  await page.getByTestId('asof-now').click();
  await expectFunnel(page, now, `${JAPAN} now again`);
});

test('an API error is shown in the banner with its message', async () => {
  const effective = '1990-01-01T00:00:00Z'; // before the deal existed
  const { status, body } = await api(`/v1/deals/${JAPAN}`, { 'as_of.effective_time': effective });
  assert(status >= 400 && body.error?.message, `GetDeal as of ${effective} answered ${status}`);
  // The browser logs each failed request as a console error: expected here.
  page.allowProblem = (text) => text.includes('Failed to load resource') && text.includes(`${status}`);
  await showAsOf(page, { effective });
  const banner = page.getByTestId('error-banner');
  await banner.waitFor({ state: 'visible' });
  const text = await banner.textContent();
  // Each call has a request id of its own: the message without it.
  const message = body.error.message.replace(/ \[request_id=[^\]]*\]$/, '');
  assert(message !== body.error.message, `the API's message "${body.error.message}" carries no request id`);
  assert(text.includes(message) && /\[request_id=\w+\]/.test(text), `the banner reads "${text}", not the API's "${message} [request_id=…]"`);
  await page.getByTestId('asof-now').click();
  await banner.waitFor({ state: 'hidden' });
  page.allowProblem = undefined;
});

test('a new event appears live: funnel and events follow an append', async () => {
  await waitFor('the live stream', () => page.getByTestId('live-status').getAttribute('data-state'), (state) => state === 'live');
  const before = await apiFunnel(JAPAN);
  const rowsBefore = await eventRows(page);
  await expectFunnel(page, before, JAPAN);
  const { projects } = await apiOk(`/v1/deals/${JAPAN}/projects`);
  const project = projects.find((p) => BigInt(p.approved.minorUnits) > BigInt(p.disbursed.minorUnits));
  assert(project, 'no approved project to disburse to');
  // Half of what is approved and not yet disbursed (the ledger refuses a
  // disbursement beyond the approval), effective now: after every approval.
  const undisbursed = BigInt(project.approved.minorUnits) - BigInt(project.disbursed.minorUnits);
  const amount = String(undisbursed > 1n ? undisbursed / 2n : undisbursed);
  const disbursement = {
    event_id: `web-e2e/disbursement-${Date.now()}`,
    effective_time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    provenance: { source: 'web/tests/e2e.mjs', firmness: 'FIRMNESS_REPORTED' },
    disbursement: {
      project_id: project.projectId,
      amount: { currency_code: 'USD', minor_units: amount },
      funding_source: 'FUNDING_SOURCE_JBIC',
      tranche: 'T1',
    },
  };
  await promisify(execFile)(PACTCTL, ['--address', GRPC, 'append', JAPAN, '--actor', 'web-e2e', '--events', JSON.stringify(disbursement)]);
  const after = await apiFunnel(JAPAN);
  assert(
    BigInt(after.figures.disbursed) === BigInt(before.figures.disbursed) + BigInt(amount),
    `the API's disbursed went ${before.figures.disbursed} -> ${after.figures.disbursed}`,
  );
  await expectFunnel(page, after, `${JAPAN} after the append`);
  await waitFor('one more event row', () => eventRows(page), (rows) => rows === rowsBefore + 1);
});

test('at phone width (390x844) nothing scrolls sideways and the figures show', async () => {
  const phone = await openPage({ viewport: PHONE, hash: `#deal=${JAPAN}` });
  await expectFunnel(phone, await apiFunnel(JAPAN), `${JAPAN} on a phone`);
  const widths = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert(widths.scroll <= widths.inner, `the page is ${widths.scroll}px wide in a ${widths.inner}px window`);
  for (const stage of STAGES) {
    const figure = phone.getByTestId(`funnel-${stage}`);
    assert(await figure.isVisible(), `funnel-${stage} is not visible`);
    const box = await figure.boundingBox();
    assert(box.x >= 0 && box.x + box.width <= PHONE.width, `funnel-${stage} spans ${box.x}..${box.x + box.width}px`);
  }
  await shoot(phone, 'phone', { fullPage: true });
  await phone.context().close();
});

test('no page logged an unexpected console error or warning', async () => {
  assert(unexpectedProblems().length === 0, JSON.stringify(unexpectedProblems(), null, 2));
});

// ---- the runner -------------------------------------------------------

let passed = 0;
let failed = 0;
for (const { name, body } of tests) {
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok ${passed + failed} - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`not ok ${passed + failed} - ${name}\n  ${String(error.stack ?? error).replaceAll('\n', '\n  ')}`);
  }
}
await browser.close();
console.log(`screenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
