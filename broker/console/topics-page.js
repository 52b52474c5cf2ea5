// Topics: every topic with its partitions, log start/end offsets, size and retention; create
// and delete. One Metadata call lists them all (a thousand topics is a few hundred KiB); the
// table shows TOPICS_PAGE_ROWS at a time, filtered by name, so the DOM stays small.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call } from './broker-client.js';
import { formatBytes, formatRetention } from './format.js';
import { html } from './html.js';

export const TOPICS_PAGE_ROWS = 50;

function sum(parts, key) {
  return parts.reduce((a, p) => a + Math.max(0, p[key]), 0);
}

export function TopicsPage({ navigate }) {
  const [topics, setTopics] = useState(null);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const [expanded, setExpanded] = useState(null);
  const [form, setForm] = useState({ name: '', partitions: 1 });
  const [notice, setNotice] = useState('');

  async function load() {
    try {
      const meta = await call('Listing topics', (c) => c.admin().metadata());
      setTopics(meta.topics.sort((a, b) => a.name.localeCompare(b.name)));
      setError('');
    } catch (err) {
      setError(err.consoleMessage ?? String(err));
    }
  }
  useEffect(() => { load(); }, []);

  const shown = useMemo(() => (topics ?? []).filter((t) => t.name.includes(filter)), [topics, filter]);
  const pages = Math.max(1, Math.ceil(shown.length / TOPICS_PAGE_ROWS));
  const rows = shown.slice(page * TOPICS_PAGE_ROWS, (page + 1) * TOPICS_PAGE_ROWS);

  async function create(e) {
    e.preventDefault();
    try {
      await call(`Creating topic ${form.name}`, (c) => c.admin().createTopic({ name: form.name, partitions: Number(form.partitions) }));
      setNotice(`Created ${form.name}.`);
      setForm({ name: '', partitions: 1 });
      await load();
    } catch (err) {
      setNotice(err.consoleMessage ?? String(err));
    }
  }
  async function remove(name) {
    if (!window.confirm(`Delete topic ${name} and all its records?`)) return;
    try {
      await call(`Deleting topic ${name}`, (c) => c.admin().deleteTopic(name));
      setNotice(`Deleted ${name}.`);
      await load();
    } catch (err) {
      setNotice(err.consoleMessage ?? String(err));
    }
  }

  return html`<section>
    <h2>Topics</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <form class="inline" onSubmit=${create} data-testid="create-topic">
      <input placeholder="new topic name" value=${form.name} required onInput=${(e) => setForm({ ...form, name: e.target.value })} />
      <input type="number" min="1" value=${form.partitions} title="partitions" onInput=${(e) => setForm({ ...form, partitions: e.target.value })} />
      <button type="submit">Create</button>
      ${notice && html`<span class="notice">${notice}</span>`}
    </form>
    <div class="toolbar">
      <input type="search" placeholder="filter by name" value=${filter} onInput=${(e) => { setFilter(e.target.value); setPage(0); }} />
      <span>${topics === null ? 'Loading…' : `${shown.length} of ${topics.length} topics`}</span>
      <button onClick=${load}>Refresh</button>
      <${Pager} page=${page} pages=${pages} setPage=${setPage} />
    </div>
    <table data-testid="topics">
      <thead><tr><th>Topic</th><th>Partitions</th><th>Start</th><th>End</th><th>Size</th><th>Retention</th><th></th></tr></thead>
      <tbody>${rows.map((t) => html`
        <tr key=${t.name} data-topic=${t.name}>
          <td><a href="#" onClick=${(e) => { e.preventDefault(); setExpanded(expanded === t.name ? null : t.name); }}>${t.name}</a></td>
          <td>${t.partitions.length}</td>
          <td>${sum(t.partitions, 'logStartOffset')}</td>
          <td>${sum(t.partitions, 'logEndOffset')}</td>
          <td>${formatBytes(sum(t.partitions, 'sizeBytes'))}</td>
          <td>${formatRetention(t.config.retentionMs)}${t.config.retentionBytes > 0 ? `, ${formatBytes(t.config.retentionBytes)}/partition` : ''}</td>
          <td><button onClick=${() => navigate(`#/messages?topic=${encodeURIComponent(t.name)}`)}>Browse</button>
              <button class="danger" onClick=${() => remove(t.name)}>Delete</button></td>
        </tr>
        ${expanded === t.name && t.partitions.map((p) => html`<tr class="sub" key=${`${t.name}-${p.partition}`}>
          <td>partition ${p.partition}</td><td></td><td>${p.logStartOffset}</td><td>${p.logEndOffset}</td><td>${formatBytes(p.sizeBytes)}</td><td>${p.segmentCount} segments</td><td></td></tr>`)}`)}
      </tbody>
    </table>
  </section>`;
}

export function Pager({ page, pages, setPage }) {
  return html`<span class="pager">
    <button disabled=${page === 0} onClick=${() => setPage(page - 1)}>‹</button>
    page ${page + 1} / ${pages}
    <button disabled=${page >= pages - 1} onClick=${() => setPage(page + 1)}>›</button>
  </span>`;
}
