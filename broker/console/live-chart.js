// A uPlot line chart of a rolling window of per-second samples. uPlot draws to one canvas and
// updates with setData, so a chart redrawn every second costs well under a millisecond.
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

/** Samples kept per chart: two minutes at one per second. */
export const CHART_POINTS_MAX = 120;

export function LiveChart({ title, series, samples }) {
  const el = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const opts = {
      title, width: Math.min(560, (el.current?.clientWidth || 560)), height: 180,
      scales: { x: { time: true } },
      axes: [{}, { size: 60 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
    };
    plot.current = new uPlot(opts, [[], ...series.map(() => [])], el.current);
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => {
    if (!plot.current) return;
    const xs = samples.map((s) => s.t / 1000);
    plot.current.setData([xs, ...series.map((s) => samples.map((p) => p[s.key]))]);
  }, [samples]);
  return html`<div class="chart" ref=${el}></div>`;
}
