// The tariff of each product category over effective time: a step line of
// the rate (each change holds until the next), the deal's cap from the
// day the deal takes effect, and the periods where the rate in force was
// above the cap shaded: the breaches the enforcement clause is about.
import { h, replaceChildren } from '../dom.js';
import { formatBps } from '../money.js';
import { chartMillis, formatTime, timestampNanos } from '../time.js';
import { COLOURS, createChart } from '../charts.js';

const DAY = 24 * 3600 * 1000;

// The cap the deal agrees for a category: its own, else the all-goods cap.
function capFor(deal, category) {
  const caps = deal?.tariffCaps ?? [];
  const cap = caps.find((c) => c.productCategory === category) ?? caps.find((c) => c.productCategory === 'all-goods');
  return cap ? cap.maxRateBps : null;
}

// The changes that set the rate, in effective order: of changes with the
// same effective time the later sequence wins (TariffLine.rate_bps).
function steps(history) {
  const sorted = [...history].sort((a, b) => {
    const byTime = timestampNanos(a.effectiveTime) - timestampNanos(b.effectiveTime);
    return byTime !== 0n ? (byTime < 0n ? -1 : 1) : Number(BigInt(a.sequence) - BigInt(b.sequence));
  });
  return sorted.filter((change, i) => i + 1 === sorted.length || sorted[i + 1].effectiveTime !== change.effectiveTime);
}

// [start, end) in milliseconds where the rate in force exceeds the cap
// while the cap applies (from capStart on).
function breaches(changes, capBps, capStart, end) {
  if (capBps === null) return [];
  const periods = [];
  changes.forEach((change, i) => {
    if (change.rateBps <= capBps) return;
    const from = Math.max(chartMillis(change.effectiveTime), capStart);
    const to = i + 1 < changes.length ? chartMillis(changes[i + 1].effectiveTime) : end;
    if (from < to) periods.push([from, to]);
  });
  return periods;
}

function chartOptions(line, deal, evaluatedAt) {
  const changes = steps(line.history ?? []);
  const capBps = capFor(deal, line.productCategory);
  const capStart = deal ? chartMillis(deal.announcedEffectiveTime) : null;
  const evaluated = chartMillis(evaluatedAt);
  const times = [...changes.map((c) => chartMillis(c.effectiveTime)), evaluated, capStart ?? evaluated];
  const start = Math.min(...times) - 30 * DAY;
  const end = Math.max(...times) + 45 * DAY;
  const percent = (bps) => bps / 100;
  const last = changes.at(-1);
  const series = [
    {
      name: 'rate',
      type: 'line',
      step: 'end',
      symbolSize: 7,
      itemStyle: { color: COLOURS.rate },
      lineStyle: { width: 2.5 },
      data: [
        ...changes.map((change) => ({ value: [chartMillis(change.effectiveTime), percent(change.rateBps)], change })),
        ...(last ? [{ value: [end, percent(last.rateBps)], symbol: 'none', tooltip: { show: false } }] : []),
      ],
      markArea: {
        silent: true,
        itemStyle: { color: COLOURS.breach },
        data: breaches(changes, capBps, capStart, end).map(([from, to]) => [{ xAxis: from, name: 'above cap' }, { xAxis: to }]),
        label: { color: '#b91c1c', position: 'insideTop' },
      },
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { color: '#475569', type: 'dotted' },
        label: { formatter: 'evaluated', color: '#475569' },
        data: [{ xAxis: evaluated }],
      },
    },
  ];
  if (capBps !== null && capStart !== null) {
    series.push({
      name: `cap ${formatBps(capBps)}`,
      type: 'line',
      step: 'end',
      symbol: 'none',
      itemStyle: { color: COLOURS.cap },
      lineStyle: { type: 'dashed', width: 2 },
      tooltip: { show: false },
      data: [[capStart, percent(capBps)], [end, percent(capBps)]],
    });
  }
  return {
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      formatter: ({ data }) =>
        `${formatTime(data.change.effectiveTime)}: ${formatBps(data.change.rateBps)}<br>${escapeHtml(data.change.legalInstrument)}`,
    },
    xAxis: { type: 'time', min: start, max: end, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: '{value}%' } },
    series,
  };
}

// ECharts puts a tooltip's text into the page as HTML.
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function status(line) {
  const parts = [line.inForce ? `in force: ${formatBps(line.rateBps)}` : 'no rate in force'];
  parts.push(line.hasCap ? `cap ${formatBps(line.capBps)}` : 'no cap applies yet');
  return h(
    'p',
    { class: 'tariff-status' },
    parts.join(' · '),
    line.breachesCap
      ? h('strong', { class: 'badge breach', 'data-testid': `tariff-breach-${line.productCategory}` }, 'above the agreed cap')
      : null,
  );
}

export function createTariffs(root) {
  // One block (heading, status, chart) per category, kept across updates
  // so that ECharts redraws its charts rather than making new ones.
  const blocks = new Map();
  function block(category) {
    if (!blocks.has(category)) {
      const element = h('div', { class: 'chart tariff-chart' });
      const heading = h('h3', {}, category);
      const status = h('div');
      blocks.set(category, { element, status, node: h('div', { class: 'tariff', dataset: { category } }, heading, status, element) });
    }
    return blocks.get(category);
  }
  return {
    update(response, deal) {
      const lines = response.tariffs ?? [];
      for (const [category, { chart }] of blocks) {
        if (lines.some((line) => line.productCategory === category)) continue;
        chart?.dispose();
        blocks.delete(category);
      }
      const shown = lines.map((line) => block(line.productCategory));
      replaceChildren(
        root,
        lines.length
          ? h('p', { class: 'note' }, `Rates in force evaluated at ${formatTime(response.evaluatedAt)}.`)
          : h('p', { class: 'empty' }, 'No tariff change recorded.'),
        shown.map((entry) => entry.node),
      );
      // A chart is made once its element is in the page and has a size.
      lines.forEach((line, i) => {
        const entry = shown[i];
        replaceChildren(entry.status, status(line));
        entry.chart ??= createChart(entry.element);
        entry.chart.draw(chartOptions(line, deal, response.evaluatedAt));
      });
    },
  };
}
