// The US map: each state shaded by what its projects were pledged, or what
// was disbursed to them (a toggle), darker for more; grey where the deal
// has no project. The table under it gives the exact figures, also for the
// projects whose site is not known yet.
import { h, replaceChildren, svg } from '../dom.js';
import { formatMoney, minorUnits, shareBps } from '../money.js';
import { stateName, usMap } from '../us-map.js';
import { dealCurrency, moneyFigure } from './funnel.js';

// From the lightest to the darkest shade of each figure's colour (RGB).
const SHADES = {
  pledged: [[219, 234, 254], [30, 58, 138]],
  disbursed: [[220, 252, 231], [20, 83, 45]],
};
const NO_PROJECTS = '#e2e8f0'; // also the legend's swatch (style.css)

function shade(metric, bps) {
  const [from, to] = SHADES[metric];
  const rgb = from.map((c, i) => Math.round(c + ((to[i] - c) * bps) / 10000));
  return `rgb(${rgb.join(', ')})`;
}

function ramp(metric) {
  const element = h('span', { class: 'legend-ramp', 'aria-hidden': 'true' });
  element.style.background = `linear-gradient(to right, ${shade(metric, 0)}, ${shade(metric, 10000)})`;
  return element;
}

export function createMap(root) {
  const metricInputs = ['pledged', 'disbursed'].map((metric) =>
    h('input', { type: 'radio', name: 'map-metric', value: metric, checked: metric === 'pledged', 'data-testid': `map-metric-${metric}` }),
  );
  const { paths, viewBox } = usMap();
  const shapes = paths.map((path) => svg('path', { d: path.d, 'data-state': path.postal }, svg('title', {}, path.name)));
  const map = svg('svg', { viewBox, class: 'us-map', role: 'img', 'data-testid': 'us-map' }, shapes);
  const legend = h('div', { class: 'legend' });
  const table = h('div');
  replaceChildren(
    root,
    h(
      'fieldset',
      { class: 'toggle' },
      h('legend', {}, 'Shade states by'),
      metricInputs.map((input) => h('label', {}, input, ` ${input.value}`)),
    ),
    map,
    legend,
    table,
  );
  let deal = null;

  function draw() {
    const metric = metricInputs.find((input) => input.checked).value;
    const currency = dealCurrency(deal);
    const rows = (deal.byUsState ?? []).map((entry) => ({
      state: entry.usState,
      projects: entry.totals?.projectCount ?? 0,
      pledged: minorUnits(entry.totals?.pledged),
      approved: minorUnits(entry.totals?.approved),
      disbursed: minorUnits(entry.totals?.disbursed),
    }));
    const byState = new Map(rows.filter((row) => row.state).map((row) => [row.state, row]));
    const max = rows.reduce((most, row) => (row[metric] > most ? row[metric] : most), 0n);
    paths.forEach((path, i) => {
      const row = byState.get(path.postal);
      const shape = shapes[i];
      shape.setAttribute('fill', row ? shade(metric, shareBps(row[metric], max)) : NO_PROJECTS);
      shape.dataset.minorUnits = row ? row[metric].toString() : '0';
      shape.classList.toggle('has-projects', Boolean(row));
      shape.firstChild.textContent = row
        ? `${path.name}: ${metric} ${formatMoney(row[metric], currency)} (${row.projects} project${row.projects === 1 ? '' : 's'})`
        : `${path.name}: no project`;
    });
    map.setAttribute('aria-label', `Map of the US states shaded by ${metric}; the figures are in the table below.`);
    replaceChildren(
      legend,
      h('span', {}, formatMoney(0n, currency)),
      ramp(metric),
      h('span', {}, formatMoney(max, currency)),
      h('span', { class: 'legend-none' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'no project'),
    );
    replaceChildren(
      table,
      rows.length
        ? h(
            'div',
            { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Figures per US state' },
            h(
              'table',
              {},
              h('caption', {}, 'Figures per US state'),
              h('thead', {}, h('tr', {}, ['State', 'Projects', 'Pledged', 'Approved', 'Disbursed'].map((title) => h('th', { scope: 'col' }, title)))),
              h(
                'tbody',
                {},
                rows.map((row) =>
                  h(
                    'tr',
                    { 'data-state': row.state },
                    h('td', {}, row.state ? `${stateName(row.state)} (${row.state})` : 'site not reported yet'),
                    h('td', { class: 'num' }, String(row.projects)),
                    ['pledged', 'approved', 'disbursed'].map((figure) => h('td', { class: 'num' }, moneyFigure(row[figure], currency))),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, 'No project announced yet.'),
    );
  }

  for (const input of metricInputs) input.addEventListener('change', draw);
  return {
    update(next) {
      deal = next;
      draw();
    },
  };
}
