// ECharts with only the parts this page draws (tree-shaken: bar and line
// charts, their axes, tooltips, legends, shaded areas and marker lines),
// rendered as SVG so the charts stay crisp when printed or zoomed.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
  SVGRenderer,
]);

// The funnel's colours, reused by every chart so a figure keeps its colour.
export const COLOURS = {
  ceiling: '#64748b',
  allocated: '#8b5cf6',
  pledged: '#2563eb',
  approved: '#0891b2',
  disbursed: '#16a34a',
  rate: '#1d4ed8',
  cap: '#b45309',
  breach: 'rgba(220, 38, 38, 0.16)',
};

// A chart in `element` that follows the element's size (the layout
// reflows from phone to desktop width). `options` are replaced, not merged,
// on each call: a view always draws its whole state.
export function createChart(element) {
  const chart = echarts.init(element, null, { renderer: 'svg' });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(element);
  return {
    draw(options) {
      chart.setOption({ aria: { enabled: true }, animation: false, ...options }, { notMerge: true });
    },
    dispose() {
      observer.disconnect();
      chart.dispose();
    },
  };
}
