// Overview: version, uptime, listeners, flush policy, data size, and records in/out per second
// as live charts, from BrokerStats polled every POLL_MS (rates from successive totals).
import { useEffect, useState } from 'preact/hooks';
import { call } from './broker-client.js';
import { formatBytes, formatDuration, formatRate, plural } from './format.js';
import { html } from './html.js';
import { CHART_POINTS_MAX, LiveChart } from './live-chart.js';

export const POLL_MS = 1000;

export function OverviewPage() {
  const [stats, setStats] = useState(null);
  const [samples, setSamples] = useState([]);
  const [error, setError] = useState('');
  useEffect(() => {
    let prev = null;
    let stopped = false;
    async function poll() {
      try {
        const s = await call('Broker stats', (c) => c.admin().brokerStats());
        if (stopped) return;
        setStats(s);
        setError('');
        if (prev && s.nowMs > prev.nowMs) {
          const dt = (s.nowMs - prev.nowMs) / 1000;
          const point = { t: s.nowMs, in: (s.recordsIn - prev.recordsIn) / dt, out: (s.recordsOut - prev.recordsOut) / dt };
          setSamples((xs) => [...xs.slice(-(CHART_POINTS_MAX - 1)), point]);
        }
        prev = s;
      } catch (err) {
        if (!stopped) setError(err.consoleMessage ?? String(err));
      }
    }
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => { stopped = true; clearInterval(timer); };
  }, []);
  const last = samples[samples.length - 1];
  return html`<section>
    <h2>Overview</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${stats ? html`<dl class="cards" data-testid="overview">
      <div><dt>Version</dt><dd data-testid="version">${stats.brokerVersion}</dd></div>
      <div><dt>Uptime</dt><dd>${formatDuration(stats.nowMs - stats.startedAtMs)}</dd></div>
      <div><dt>Listeners</dt><dd>${Object.entries(stats.listeners).map(([k, v]) => html`<div>${k}: <code>${v}</code></div>`)}</dd></div>
      <div><dt>Flush policy</dt><dd>${stats.flushPolicy}${stats.flushPolicy === 'interval' ? ` (${stats.flushIntervalMs} ms)` : ''}</dd></div>
      <div><dt>Data</dt><dd>${formatBytes(stats.dataBytes)} in ${plural(stats.topics, 'topic')}, ${plural(stats.partitions, 'partition')}</dd></div>
      <div><dt>Connections</dt><dd>${stats.connections}</dd></div>
      <div><dt>Records in / s</dt><dd data-testid="rate-in">${last ? formatRate(last.in) : '…'}</dd></div>
      <div><dt>Records out / s</dt><dd data-testid="rate-out">${last ? formatRate(last.out) : '…'}</dd></div>
    </dl>` : !error && html`<p>Loading…</p>`}
    <div class="charts">
      <${LiveChart} title="Records in per second" series=${[{ key: 'in', label: 'in', color: '#2b7bb9' }]} samples=${samples} />
      <${LiveChart} title="Records out per second" series=${[{ key: 'out', label: 'out', color: '#c0562a' }]} samples=${samples} />
    </div>
  </section>`;
}
