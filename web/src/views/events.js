// The deal's log: one row per event, in sequence order, with both clocks
// (effective: when it happened in the world; recorded: when the record
// learned of it), its firmness and source, and one line saying what it
// records. With an as-of point only the events within its bounds are
// listed: the ones the figures above are folded from.
import { h, replaceChildren } from '../dom.js';
import { formatBps, formatMoney, minorUnits } from '../money.js';
import { formatTime, timestampNanos } from '../time.js';
import { label } from '../labels.js';

const KINDS = ['announcement', 'approval', 'disbursement', 'tariffChange', 'amendment'];
const KIND_NAMES = {
  announcement: 'announcement',
  approval: 'approval',
  disbursement: 'disbursement',
  tariffChange: 'tariff change',
  amendment: 'amendment',
};

function money(amount) {
  return amount ? formatMoney(minorUnits(amount), amount.currencyCode) : 'no amount';
}

function describeAnnouncement({ deal, project, allocation, projectSite, terms }) {
  if (deal) {
    const caps = (deal.tariffCaps ?? []).map((cap) => `${cap.productCategory} ≤ ${formatBps(cap.maxRateBps)}`);
    return `Deal "${deal.title}": ${deal.investorCountry} invests up to ${money(deal.commitmentCeiling)} in ${deal.hostCountry}` +
      (caps.length ? `; caps ${caps.join(', ')}` : '');
  }
  if (project) {
    return `Project ${project.projectId} "${project.name}" (${label(project.sector)}, ${project.usState || 'site not reported'}): ` +
      `pledged ${money(project.pledged)}${project.allocationId ? `, draws on ${project.allocationId}` : ''}`;
  }
  if (allocation) {
    return `Allocation ${allocation.allocationId} "${allocation.name}" (${label(allocation.basis)}): ` +
      `${allocation.cap ? money(allocation.cap) : 'amount not reported'}` +
      (allocation.parentAllocationId ? `, inside ${allocation.parentAllocationId}` : '');
  }
  if (projectSite) return `Site of ${projectSite.projectId}: ${projectSite.usState}`;
  if (terms) {
    const deadline = terms.fundingDeadlineDays ? `funding within ${terms.fundingDeadlineDays} days of selection` : 'no funding deadline';
    return `Terms: ${[terms.projectSelector && `selected by ${terms.projectSelector}`, deadline].filter(Boolean).join('; ')}`;
  }
  return 'Announcement';
}

function describeAmendment(amendment) {
  const { targetEventId, reason, revisedAmount, withdrawal, raisedFirmness, retraction, correction } = amendment;
  let change = 'change';
  if (revisedAmount) change = `revised to ${money(revisedAmount)}`;
  else if (withdrawal) change = 'withdrawn';
  else if (raisedFirmness) change = `firmness raised to ${label(raisedFirmness)}`;
  else if (retraction) change = 'retracted';
  else if (correction) {
    const [kind, replacement] = Object.entries(correction)[0] ?? [];
    change = `corrected: ${replacement ? describe({ [kind]: replacement }) : 'replacement'}`;
  }
  return `${targetEventId} ${change}${reason ? ` (${reason})` : ''}`;
}

// One line for an EventData (or a correction's replacement, same shape).
function describe(data) {
  if (data.announcement) return describeAnnouncement(data.announcement);
  if (data.approval) {
    const { projectId, amount, approvingBody } = data.approval;
    return `Approval of ${projectId}: ${money(amount)} by ${approvingBody}`;
  }
  if (data.disbursement) {
    const { projectId, amount, fundingSource, tranche } = data.disbursement;
    return `Disbursement to ${projectId}: ${money(amount)} from ${label(fundingSource)}${tranche ? `, tranche ${tranche}` : ''}`;
  }
  if (data.tariffChange) {
    const { productCategory, productCategories = [], rateBps, legalInstrument } = data.tariffChange;
    return `Tariff on ${[productCategory, ...productCategories].filter(Boolean).join(', ')}: ${formatBps(rateBps)} — ${legalInstrument}`;
  }
  if (data.amendment) return `Amendment: ${describeAmendment(data.amendment)}`;
  return '';
}

function summary(data) {
  const restates = data.restates ?? [];
  return describe(data) + (restates.length ? ` — restates ${restates.join(', ')}` : '');
}

// The source's text with each URL in it a link named by its site (the
// whole URL in its title): sources are often "a report, as quoted in URL".
function source(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s"'<>]+/gi)) {
    const href = match[0].replace(/[.,;:)\]]+$/, '');
    let site = href;
    try {
      site = new URL(href).hostname.replace(/^www\./, '');
    } catch {
      // not a URL after all: shown as it is
    }
    parts.push(text.slice(last, match.index));
    parts.push(h('a', { href, title: href, rel: 'noopener noreferrer', target: '_blank' }, site));
    last = match.index + href.length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== '');
}

// Whether the as-of point folds the event (the bounds of query.proto's AsOf).
function withinAsOf(event, asOf) {
  if (asOf.recorded && timestampNanos(event.recordedTime) > timestampNanos(asOf.recorded)) return false;
  if (asOf.effective && timestampNanos(event.data.effectiveTime) > timestampNanos(asOf.effective)) return false;
  return true;
}

function row(event) {
  const { data } = event;
  const kind = KINDS.find((k) => data[k]);
  const provenance = data.provenance ?? {};
  return h(
    'tr',
    { 'data-testid': 'event-row', 'data-sequence': event.sequence },
    h('td', { class: 'num' }, event.sequence),
    h('td', { class: 'time' }, formatTime(data.effectiveTime)),
    h('td', { class: 'time' }, formatTime(event.recordedTime)),
    h('td', {}, KIND_NAMES[kind] ?? 'event'),
    h('td', {}, label(provenance.firmness)),
    h('td', {}, [provenance.assertedBy && `asserted by ${provenance.assertedBy}`, `recorded by ${event.actor}`].filter(Boolean).join('; ')),
    h('td', { class: 'summary' }, summary(data), h('span', { class: 'event-id' }, data.eventId)),
    h('td', { class: 'source' }, source(provenance.source ?? '')),
  );
}

export function createEvents(root) {
  return {
    update(events, asOf) {
      const shown = events.filter((event) => withinAsOf(event, asOf));
      const caption = shown.length === events.length
        ? `${events.length} events`
        : `${shown.length} of the ${events.length} events recorded fall within the as-of point`;
      const columns = ['Seq', 'Effective', 'Recorded', 'Kind', 'Firmness', 'Party / actor', 'What it records', 'Source'];
      replaceChildren(
        root,
        h(
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Events of the deal' },
          h(
            'table',
            { class: 'events' },
            h('caption', { 'data-testid': 'events-caption' }, caption),
            h('thead', {}, h('tr', {}, columns.map((title) => h('th', { scope: 'col' }, title)))),
            h('tbody', {}, shown.map(row)),
          ),
        ),
      );
    },
  };
}
