// Consumer groups: every group with its state and member count; one group's members with their
// partitions, and per partition the committed offset, the log end offset and the lag, refreshed
// every REFRESH_MS while open. The list shows GROUPS_PAGE_ROWS at a time, filtered by id.
import { useEffect, useState } from 'preact/hooks';
import { call } from './broker-client.js';
import { html } from './html.js';
import { Pager } from './topics-page.js';

export const REFRESH_MS = 2000;
export const GROUPS_PAGE_ROWS = 50;

export function GroupsPage({ query, navigate }) {
  const selected = query.get('group');
  const [groups, setGroups] = useState(null);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  async function load() {
    try {
      setGroups((await call('Listing groups', (c) => c.groupAdmin().listGroups())).sort((a, b) => a.groupId.localeCompare(b.groupId)));
      setError('');
    } catch (err) {
      setError(err.consoleMessage ?? String(err));
    }
  }
  useEffect(() => { load(); }, []);
  if (selected) return html`<${GroupDetail} groupId=${selected} back=${() => navigate('#/groups')} />`;
  const shown = (groups ?? []).filter((g) => g.groupId.includes(filter));
  const pages = Math.max(1, Math.ceil(shown.length / GROUPS_PAGE_ROWS));
  return html`<section>
    <h2>Consumer groups</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="toolbar">
      <input type="search" placeholder="filter by group id" value=${filter} onInput=${(e) => { setFilter(e.target.value); setPage(0); }} />
      <span>${groups === null ? 'Loading…' : `${shown.length} of ${groups.length} groups`}</span>
      <button onClick=${load}>Refresh</button>
      <${Pager} page=${page} pages=${pages} setPage=${setPage} />
    </div>
    <table data-testid="groups">
      <thead><tr><th>Group</th><th>State</th><th>Members</th><th>Strategy</th></tr></thead>
      <tbody>${shown.slice(page * GROUPS_PAGE_ROWS, (page + 1) * GROUPS_PAGE_ROWS).map((g) => html`<tr key=${g.groupId} data-group=${g.groupId}>
        <td><a href=${`#/groups?group=${encodeURIComponent(g.groupId)}`}>${g.groupId}</a></td><td>${g.state}</td><td>${g.memberCount}</td><td>${g.strategy || '—'}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

function GroupDetail({ groupId, back }) {
  const [group, setGroup] = useState(null);
  const [error, setError] = useState('');
  const [updated, setUpdated] = useState(0);
  useEffect(() => {
    let stopped = false;
    async function load() {
      try {
        const g = await call(`Describing group ${groupId}`, (c) => c.groupAdmin().describeGroup(groupId));
        if (!stopped) { setGroup(g); setError(''); setUpdated(Date.now()); }
      } catch (err) {
        if (!stopped) setError(err.consoleMessage ?? String(err));
      }
    }
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { stopped = true; clearInterval(timer); };
  }, [groupId]);
  const totalLag = group ? group.partitions.reduce((a, p) => a + Math.max(0, p.lag), 0) : 0;
  return html`<section data-testid="group">
    <h2><a href="#/groups" onClick=${(e) => { e.preventDefault(); back(); }}>Consumer groups</a> › ${groupId}</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${group && html`<p>State <b data-testid="group-state">${group.state}</b> · generation ${group.generationId} · ${group.members.length} members ·
      total lag <b data-testid="total-lag">${totalLag}</b> · updated ${new Date(updated).toLocaleTimeString()}</p>
    <h3>Members</h3>
    <table><thead><tr><th>Member</th><th>Client</th><th>Partitions</th></tr></thead>
      <tbody>${group.members.map((m) => html`<tr key=${m.memberId}><td><code>${m.memberId}</code></td><td>${m.clientId}</td>
        <td>${m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', ') || '—'}</td></tr>`)}</tbody></table>
    <h3>Offsets and lag</h3>
    <table data-testid="lag"><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>End offset</th><th>Lag</th><th>Owner</th></tr></thead>
      <tbody>${[...group.partitions].sort((a, b) => b.lag - a.lag).map((p) => html`<tr key=${`${p.topic}-${p.partition}`} data-tp=${`${p.topic}-${p.partition}`}>
        <td>${p.topic}</td><td>${p.partition}</td><td>${p.committedOffset < 0 ? '—' : p.committedOffset}</td><td>${p.logEndOffset < 0 ? '—' : p.logEndOffset}</td>
        <td class="lag">${p.lag < 0 ? '—' : p.lag}</td><td>${p.memberId ? html`<code>${p.memberId.slice(0, 24)}</code>` : '—'}</td></tr>`)}</tbody></table>`}
  </section>`;
}
