// The console's shell: a status bar that says whether the broker answers, a navigation bar,
// and the page for the location's hash (#/overview, #/topics, #/messages?topic=..., #/groups);
// the login form instead while the broker wants a login (--auth scram).
// Hash routes keep every page a deep link without the broker having to know the console's URLs.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { logIn, onStatus } from './broker-client.js';
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
  const text = status.state === 'ok' ? `Connected to the broker${status.user ? ` as ${status.user}` : ''}`
    : status.state === 'connecting' ? 'Connecting to the broker…' : status.message;
  return html`<div class="status ${status.state}" data-testid="status" role="status">${text}</div>`;
}

/** Shown instead of the page while the broker wants a login (--auth scram). */
function LoginForm() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError('');
    try {
      await logIn(String(form.get('username')), String(form.get('password')), String(form.get('mechanism')));
    } catch (err) {
      setError(`Login failed: ${err?.message ?? String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="login" data-testid="login" onSubmit=${submit}>
      <h2>Log in</h2>
      <label>User <input name="username" autocomplete="username" required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <label>Mechanism <select name="mechanism"><option>SCRAM-SHA-512</option><option>SCRAM-SHA-256</option></select></label>
      <button type="submit" disabled=${busy}>Log in</button>
      ${error ? html`<p class="error" data-testid="login-error" role="alert">${error}</p>` : null}
    </form>`;
}

function App() {
  const [status, setStatus] = useState({ state: 'connecting', message: '' });
  useEffect(() => onStatus(setStatus), []);
  const [route, setRoute] = useState(parseHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = (hash) => { window.location.hash = hash; };
  const Page = PAGES[route.page];
  // A new login remounts the page, so it loads again as the new user.
  const key = `${route.page}?${route.query}@${status.user ?? ''}`;
  return html`<header>
      <h1>Strata</h1>
      <nav>${Object.keys(PAGES).map((p) => html`<a href=${`#/${p}`} class=${route.page === p ? 'active' : ''}>${p[0].toUpperCase() + p.slice(1)}</a>`)}</nav>
    </header>
    <${StatusBar} />
    <main>${status.state === 'login' ? html`<${LoginForm} />` : html`<${Page} key=${key} query=${route.query} navigate=${navigate} />`}</main>`;
}

const root = document.getElementById('app');
// Preact renders beside what is there: take the loading notice out first.
root.textContent = '';
render(html`<${App} />`, root);
