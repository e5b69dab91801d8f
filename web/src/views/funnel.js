// The deal at a glance: who invests where, and the funnel of its money from
// the ceiling down to what was disbursed, each figure exact (its minor
// units in data-minor-units) with a bar for its share of the ceiling.
import { h, replaceChildren } from '../dom.js';
import { formatBps, formatMoney, minorUnits, shareBps } from '../money.js';
import { formatTime } from '../time.js';
import { label } from '../labels.js';
import { COLOURS } from '../charts.js';

const STAGES = [
  ['ceiling', 'Ceiling', 'the most the investor commits', (deal) => deal.commitmentCeiling],
  ['allocated', 'Allocated', 'set aside for sectors and lead companies', (deal) => deal.allocated],
  ['pledged', 'Pledged', 'pledged to announced projects', (deal) => deal.totals?.pledged],
  ['approved', 'Approved', 'approved for projects by the approving body', (deal) => deal.totals?.approved],
  ['disbursed', 'Disbursed', 'moved to approved projects', (deal) => deal.totals?.disbursed],
];

// The deal's currency: that of its ceiling, which every amount shares.
export function dealCurrency(deal) {
  return deal.commitmentCeiling?.currencyCode ?? 'USD';
}

// A figure: formatted text, with the exact minor units beside it.
export function moneyFigure(minor, currency, attributes = {}) {
  return h(
    'data',
    { class: 'money', value: minor.toString(), 'data-minor-units': minor.toString(), ...attributes },
    formatMoney(minor, currency),
  );
}

export function createSummary(root) {
  return {
    update(deal) {
      replaceChildren(
        root,
        h('h2', { id: 'deal-title' }, deal.title),
        h(
          'p',
          { class: 'deal-parties' },
          `${deal.investorCountry} invests in ${deal.hostCountry} · announced ${formatTime(deal.announcedEffectiveTime)} · `,
          `${label(deal.firmness)} · deal version ${deal.version}, last recorded ${formatTime(deal.lastRecordedTime)}`,
        ),
      );
    },
  };
}

export function createFunnel(root) {
  return {
    update(deal) {
      const currency = dealCurrency(deal);
      const ceiling = minorUnits(deal.commitmentCeiling);
      const stages = STAGES.map(([key, name, note, pick]) => {
        const money = pick(deal);
        const minor = minorUnits(money);
        const share = shareBps(minor, ceiling);
        const bar = h('span', { class: 'bar-fill' });
        bar.style.setProperty('--share', `${share / 100}%`);
        bar.style.background = COLOURS[key];
        return h(
          'li',
          { class: 'stage', dataset: { stage: key } },
          h('span', { class: 'stage-name' }, name),
          moneyFigure(minor, currency, { 'data-testid': `funnel-${key}` }),
          h('span', { class: 'bar', 'aria-hidden': 'true' }, bar),
          h(
            'span',
            { class: 'stage-note' },
            money ? `${formatBps(share)} of the ceiling — ${note}` : `none recorded — ${note}`,
          ),
        );
      });
      const facts = [
        ['Headroom (ceiling − pledged)', moneyFigure(minorUnits(deal.headroom), currency, { 'data-testid': 'headroom' })],
        deal.unallocated && ['Unallocated', moneyFigure(minorUnits(deal.unallocated), currency)],
        ['Projects', projectCounts(deal)],
        ['Amendments folded', String(deal.amendmentCount)],
      ].filter(Boolean);
      replaceChildren(
        root,
        h('ol', { class: 'funnel' }, stages),
        h('dl', { class: 'facts' }, facts.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      );
    },
  };
}

function projectCounts(deal) {
  const counts = [
    ['announced', deal.projectsAnnounced],
    ['approved', deal.projectsApproved],
    ['funding', deal.projectsFunding],
    ['fully disbursed', deal.projectsFullyDisbursed],
    ['withdrawn', deal.projectsWithdrawn],
    ['retracted', deal.projectsRetracted],
    ['restated', deal.projectsRestated],
  ].filter(([, count]) => count > 0);
  return counts.length ? counts.map(([name, count]) => `${count} ${name}`).join(', ') : 'none yet';
}
