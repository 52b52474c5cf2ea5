// The console's shell: a status bar that says whether the broker answers, a navigation bar,
// and the page for the location's hash (#/overview, #/topics, #/messages?topic=..., #/groups).
// Hash routes keep every page a deep link without the broker having to know the console's URLs.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onStatus } from './broker-client.js';
import { GroupsPage } from './groups-page.js';
import { html } from './html.js';
import { MessagesPage } from './messages-page.js';
import { OverviewPage } from './overview-page.js';
import { TopicsPage } from './topics-page.js';

const PAGES = { overview: OverviewPage, topics: TopicsPage, messages: MessagesPage, groups: GroupsPage };

function parseHash(hash) {
  const [path, search] = hash.replace(/^#\/?/, '').split('?');
  return { page: PAGES[path] ? path : 'overview', query: new URLSearchParams(search ?? '') };
}

function StatusBar() {
  const [status, setStatus] = useState({ state: 'connecting', message: '' });
  useEffect(() => onStatus(setStatus), []);
  const text = status.state === 'ok' ? 'Connected to the broker'
    : status.state === 'connecting' ? 'Connecting to the broker…' : status.message;
  return html`<div class="status ${status.state}" data-testid="status" role="status">${text}</div>`;
}

function App() {
  const [route, setRoute] = useState(parseHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = (hash) => { window.location.hash = hash; };
  const Page = PAGES[route.page];
  const key = `${route.page}?${route.query}`;
  return html`<header>
      <h1>Strata</h1>
      <nav>${Object.keys(PAGES).map((p) => html`<a href=${`#/${p}`} class=${route.page === p ? 'active' : ''}>${p[0].toUpperCase() + p.slice(1)}</a>`)}</nav>
    </header>
    <${StatusBar} />
    <main><${Page} key=${key} query=${route.query} navigate=${navigate} /></main>`;
}

const root = document.getElementById('app');
// Preact renders beside what is there: take the loading notice out first.
root.textContent = '';
render(html`<${App} />`, root);
