// Where the money sits: per sector and per allocation (the fact sheet's
// tree of sector allocations, their earmarks and the company caps). Each
// breakdown is a bar chart for the shape and a table for the exact figures.
import { h, replaceChildren } from '../dom.js';
import { chartNumber, formatCompact, formatMoney, minorUnits } from '../money.js';
import { label } from '../labels.js';
import { COLOURS, createChart } from '../charts.js';
import { dealCurrency, moneyFigure } from './funnel.js';

const FIGURES = ['allocated', 'pledged', 'approved', 'disbursed'];

// One row of a breakdown: its name and its exact figures (BigInt minor
// units, or null where the record has none, e.g. a sector no allocation
// names).
function sectorRows(deal) {
  return (deal.bySector ?? []).map((sector) => ({
    name: label(sector.sector),
    projects: sector.totals?.projectCount ?? 0,
    allocated: sector.allocated ? minorUnits(sector.allocated) : null,
    pledged: minorUnits(sector.totals?.pledged),
    approved: minorUnits(sector.totals?.approved),
    disbursed: minorUnits(sector.totals?.disbursed),
  }));
}

// Allocations depth first from the roots, each earmark under its parent.
function allocationRows(deal) {
  const allocations = deal.allocations ?? [];
  const byId = new Map(allocations.map((allocation) => [allocation.allocationId, allocation]));
  const rows = [];
  const visit = (allocation, depth) => {
    rows.push({
      name: allocation.name,
      id: allocation.allocationId,
      depth,
      basis: label(allocation.basis),
      sector: label(allocation.sector),
      projects: allocation.totals?.projectCount ?? 0,
      allocated: minorUnits(allocation.allocated),
      pledged: minorUnits(allocation.totals?.pledged),
      approved: minorUnits(allocation.totals?.approved),
      disbursed: minorUnits(allocation.totals?.disbursed),
      note: allocationNote(allocation),
    });
    for (const id of allocation.earmarkIds ?? []) if (byId.has(id)) visit(byId.get(id), depth + 1);
  };
  for (const allocation of allocations) if (!byId.has(allocation.parentAllocationId)) visit(allocation, 0);
  return rows;
}

function allocationNote(allocation) {
  const parts = [];
  if (allocation.supersession) parts.push(`${label(allocation.supersession.kind)}: no longer counts`);
  if (!allocation.cap) parts.push('amount not reported');
  const leads = (allocation.leadCompanies ?? []).map((lead) => lead.name);
  if (leads.length) parts.push(`led by ${leads.join(', ')}`);
  if (allocation.scope) parts.push(allocation.scope);
  return parts.join(' · ');
}

function chartOptions(rows, currency) {
  // Bars in reading order: ECharts draws a category axis bottom-up.
  const ordered = [...rows].reverse();
  return {
    legend: { top: 0, itemWidth: 12, itemHeight: 10 },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', axisLabel: { formatter: (value) => formatCompact(value, currency), hideOverlap: true } },
    yAxis: {
      type: 'category',
      data: ordered.map((row) => `${'› '.repeat(row.depth ?? 0)}${row.name}`),
      axisLabel: { width: 140, overflow: 'truncate' },
    },
    series: FIGURES.map((figure) => ({
      name: figure,
      type: 'bar',
      itemStyle: { color: COLOURS[figure] },
      tooltip: { valueFormatter: (_value, index) => exact(ordered[index]?.[figure], currency) },
      data: ordered.map((row) => (row[figure] === null ? null : chartNumber(row[figure], currency))),
    })),
  };
}

function exact(minor, currency) {
  return minor === null || minor === undefined ? 'none' : formatMoney(minor, currency);
}

function table(caption, columns, rows, currency) {
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', { scope: 'col' }, title)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map(([, key, kind]) => {
              if (kind === 'money') {
                return h('td', { class: 'num' }, row[key] === null ? '—' : moneyFigure(row[key], currency));
              }
              if (kind === 'num') return h('td', { class: 'num' }, String(row[key]));
              // Earmarks are indented under the allocation they sit in.
              if (key === 'note') return h('td', { class: 'note' }, row[key]);
              return h('td', { class: key === 'name' && row.depth ? `depth-${Math.min(row.depth, 3)}` : null }, row[key]);
            }),
          ),
        ),
      ),
    ),
  );
}

const MONEY_COLUMNS = FIGURES.map((figure) => [figure[0].toUpperCase() + figure.slice(1), figure, 'money']);

export function createBreakdowns(root) {
  const sectorChart = h('div', { class: 'chart' });
  const sectorTable = h('div');
  const allocationChart = h('div', { class: 'chart' });
  const allocationTable = h('div');
  replaceChildren(
    root,
    h('div', { class: 'breakdown' }, h('h3', {}, 'By sector'), sectorChart, sectorTable),
    h('div', { class: 'breakdown' }, h('h3', {}, 'By allocation'), allocationChart, allocationTable),
  );
  const charts = [createChart(sectorChart), createChart(allocationChart)];
  return {
    update(deal) {
      const currency = dealCurrency(deal);
      const sectors = sectorRows(deal);
      const allocations = allocationRows(deal);
      for (const [element, rows] of [[sectorChart, sectors], [allocationChart, allocations]]) {
        element.style.setProperty('--rows', String(Math.max(rows.length, 1)));
      }
      charts[0].draw(chartOptions(sectors, currency));
      charts[1].draw(chartOptions(allocations, currency));
      replaceChildren(
        sectorTable,
        sectors.length
          ? table('Figures per sector', [['Sector', 'name'], ['Projects', 'projects', 'num'], ...MONEY_COLUMNS], sectors, currency)
          : h('p', { class: 'empty' }, 'No sector has projects or allocations yet.'),
      );
      replaceChildren(
        allocationTable,
        allocations.length
          ? table(
              'Figures per allocation (earmarks indented under their allocation)',
              [['Allocation', 'name'], ['Basis', 'basis'], ['Sector', 'sector'], ['Projects', 'projects', 'num'], ...MONEY_COLUMNS, ['Notes', 'note']],
              allocations,
              currency,
            )
          : h('p', { class: 'empty' }, 'No allocation recorded.'),
      );
    },
  };
}
