// The page: which deal and which as-of point are shown lives in the URL's
// hash (#deal=...&effective=...&recorded=...), so a link reproduces a
// view. Every change of it re-queries the API and redraws the views; the
// live stream re-queries when the deal gets a new event and the page shows
// the live state.
import './style.css';
import { Api, tokenFromLocation } from './api.js';
import { fromInputValue, formatTime, toInputValue } from './time.js';
import { LiveStream } from './live.js';
import { createFunnel, createSummary } from './views/funnel.js';
import { createBreakdowns } from './views/breakdowns.js';
import { createMap } from './views/map.js';
import { createTariffs } from './views/tariffs.js';
import { createEvents } from './views/events.js';

const $ = (id) => document.getElementById(id);
const api = new Api(tokenFromLocation(window.location));
// A token given in the hash stays in it, so the links this page makes keep
// working; one given as ?token= stays in the query, untouched.
const tokenInHash = new URLSearchParams(window.location.hash.slice(1)).has('token');

const views = {
  summary: createSummary($('summary')),
  funnel: createFunnel($('funnel')),
  breakdowns: createBreakdowns($('breakdowns')),
  map: createMap($('map')),
  tariffs: createTariffs($('tariffs')),
  events: createEvents($('events')),
};
// The sections each response draws, to mark them when it failed.
const SECTIONS = {
  deal: ['summary-view', 'funnel-view', 'breakdowns-view', 'map-view'],
  tariffs: ['tariffs-view'],
  events: ['events-view'],
};

// ---- the URL's hash: {deal, effective, recorded} -------------------------

function readHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return { deal: params.get('deal') ?? '', effective: params.get('effective') ?? '', recorded: params.get('recorded') ?? '' };
}

function hashFor(changes) {
  const next = { ...readHash(), ...changes };
  const params = new URLSearchParams();
  for (const key of ['deal', 'effective', 'recorded']) if (next[key]) params.set(key, next[key]);
  if (tokenInHash) params.set('token', api.token);
  return `#${params}`;
}

// Goes to a view: a new history entry (hashchange shows it), or, when the
// hash is already that, a fresh look at the same view.
function navigate(changes) {
  const hash = hashFor(changes);
  if (hash === window.location.hash) show(readHash());
  else window.location.hash = hash;
}

const isNow = (view) => !view.effective && !view.recorded;

// ---- the error banner ----------------------------------------------------

function showErrors(messages) {
  $('error-message').textContent = messages.join(' · ');
  $('error-banner').hidden = messages.length === 0;
}
$('error-dismiss').addEventListener('click', () => showErrors([]));

// ---- the live indicator --------------------------------------------------

const LIVE_TEXT = {
  off: 'live updates off',
  connecting: 'connecting…',
  'catching-up': 'catching up…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'live updates stopped',
};
let liveState = 'off';
let pendingEvents = 0; // new events not shown while viewing the past

function drawLiveStatus() {
  const status = $('live-status');
  const paused = liveState === 'live' && !isNow(readHash());
  status.dataset.state = paused ? 'paused' : liveState;
  status.textContent = paused
    ? `live, paused while viewing the past${pendingEvents ? ` (${pendingEvents} new event${pendingEvents === 1 ? '' : 's'})` : ''}`
    : LIVE_TEXT[liveState];
}

// ---- fetching and drawing ------------------------------------------------

let current = null; // the view being fetched or shown: {deal, effective, recorded}
let inFlight = null; // AbortController of the fetch in progress
let stream = null; // the LiveStream of current.deal
let refetchTimer = 0;

function markSections(ids, error) {
  for (const id of ids) {
    const section = $(id);
    section.dataset.available = String(!error);
    section.querySelector('.unavailable').textContent = error ? `Not available: ${error.message}` : '';
  }
}

async function fetchAndDraw(view) {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  $('main').setAttribute('aria-busy', 'true');
  const asOf = { effective: view.effective, recorded: view.recorded };
  const [deal, tariffs, events] = await Promise.allSettled([
    api.getDeal(view.deal, asOf, controller.signal),
    api.getTariffs(view.deal, asOf, controller.signal),
    api.listEvents(view.deal, controller.signal),
  ]);
  if (controller.signal.aborted) return; // a newer fetch replaced this one
  inFlight = null;
  const errors = [];
  const settle = (result, sections, draw) => {
    markSections(sections, result.status === 'rejected' ? result.reason : null);
    if (result.status === 'rejected') errors.push(result.reason.message);
    else draw(result.value);
  };
  settle(deal, SECTIONS.deal, ({ deal: state, logSequence }) => {
    views.summary.update(state);
    views.funnel.update(state);
    views.breakdowns.update(state);
    views.map.update(state);
    $('log-sequence').value = logSequence;
  });
  settle(tariffs, SECTIONS.tariffs, (response) =>
    views.tariffs.update(response, deal.status === 'fulfilled' ? deal.value.deal : null),
  );
  settle(events, SECTIONS.events, (list) => views.events.update(list, asOf));
  showErrors(errors);
  $('main').setAttribute('aria-busy', 'false');
  if (deal.status === 'fulfilled') follow(view.deal, deal.value.logSequence);
}

// Opens the deal's live stream from the log sequence just shown; it goes
// on across re-fetches of the same deal.
function follow(dealId, logSequence) {
  if (stream) return;
  stream = new LiveStream(api.streamUrl(dealId, logSequence), logSequence, {
    onStatus(state) {
      liveState = state;
      drawLiveStatus();
    },
    onError(message) {
      showErrors([message]);
    },
    onEvents() {
      if (!isNow(readHash())) {
        pendingEvents += 1;
        drawLiveStatus();
        return;
      }
      // Events often come in bursts (one append of several): fetch once.
      clearTimeout(refetchTimer);
      refetchTimer = setTimeout(() => fetchAndDraw(current), 250);
    },
  });
}

function stopFollowing() {
  stream?.close();
  stream = null;
  liveState = 'off';
  pendingEvents = 0;
}

// Shows `view`: controls, as-of note, links, then the figures.
function show(view) {
  if (view.deal !== current?.deal) stopFollowing();
  current = view;
  $('deal-select').value = view.deal;
  for (const [key, input] of [['effective', $('asof-effective')], ['recorded', $('asof-recorded')]]) {
    // Keep the user's value while it denotes the same time (the hash may
    // hold more digits than the input shows).
    if (!view[key]) input.value = '';
    else if (!input.value || fromInputValue(input.value) !== view[key]) input.value = toInputValue(view[key]);
  }
  const note = $('asof-note');
  note.hidden = isNow(view);
  note.textContent = [
    'Showing a past state:',
    view.effective && `what was in force at ${formatTime(view.effective)}`,
    view.recorded && `as the record stood at ${formatTime(view.recorded)}`,
  ].filter(Boolean).join(' ');
  const asOf = { effective: view.effective, recorded: view.recorded };
  $('csv-projects').href = api.csvUrl(view.deal, 'projects', asOf);
  $('csv-events').href = api.csvUrl(view.deal, 'events', asOf);
  document.title = `${view.deal} — pactlog`;
  if (isNow(view)) pendingEvents = 0;
  drawLiveStatus();
  clearTimeout(refetchTimer);
  fetchAndDraw(view);
}

// ---- controls ------------------------------------------------------------

$('deal-select').addEventListener('change', (event) => navigate({ deal: event.target.value }));
$('asof-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = (input) => (input.value ? fromInputValue(input.value) : '');
  const view = readHash();
  // An unchanged input keeps the hash's own (possibly finer) time.
  const keep = (input, key) => (view[key] && toInputValue(view[key]) === input.value ? view[key] : value(input));
  navigate({ effective: keep($('asof-effective'), 'effective'), recorded: keep($('asof-recorded'), 'recorded') });
});
$('asof-now').addEventListener('click', () => navigate({ effective: '', recorded: '' }));
window.addEventListener('hashchange', () => show(readHash()));

async function start() {
  const select = $('deal-select');
  let deals;
  try {
    deals = await api.listDeals();
  } catch (error) {
    showErrors([`Cannot list the deals: ${error.message}`]);
    select.replaceChildren(new Option('no deals', ''));
    return;
  }
  if (!deals.length) {
    showErrors(['The record holds no deal yet.']);
    select.replaceChildren(new Option('no deals', ''));
    return;
  }
  select.replaceChildren(...deals.map((deal) => new Option(`${deal.dealId} — ${deal.title}`, deal.dealId)));
  select.disabled = false;
  // An unknown or missing deal in the hash: the first one instead.
  const { deal } = readHash();
  if (!deals.some((d) => d.dealId === deal)) window.history.replaceState(null, '', hashFor({ deal: deals[0].dealId }));
  show(readHash());
}

start();
