// Message browser: pick a topic and partition, start at the earliest or latest offset, an
// offset or a time; pages of records (offset, timestamp, key, headers, value as text, pretty
// JSON or hex); filter by key or substring; live tail; produce a record from a form.
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './broker-client.js';
import { formatTimestamp, renderValue, toText } from './format.js';
import { html } from './html.js';
import { PAGE_RECORDS_DEFAULT, readPage, resolveStart } from './message-reader.js';

/** Records the live tail keeps on screen (newest first); older ones drop off. */
export const TAIL_RECORDS_MAX = 500;

function RecordRows({ records, view }) {
  return records.map((r) => {
    const v = renderValue(r.value, view);
    return html`<tr key=${r.offset} data-offset=${r.offset}>
      <td class="num">${r.offset}</td>
      <td class="ts">${formatTimestamp(r.timestamp)}</td>
      <td class="key">${r.key === null ? html`<em>null</em>` : toText(r.key)}</td>
      <td class="headers">${r.headers.map((h) => html`<div><b>${h.key}</b>=${h.value === null ? 'null' : toText(h.value)}</div>`)}</td>
      <td class="value"><pre>${v.text}</pre>${v.note && html`<small>${v.note}</small>`}</td>
    </tr>`;
  });
}

export function MessagesPage({ query }) {
  const [topic, setTopic] = useState(query.get('topic') ?? '');
  const [partition, setPartition] = useState(Number(query.get('partition') ?? 0));
  const [startKind, setStartKind] = useState('earliest');
  const [startValue, setStartValue] = useState('');
  const [filterKey, setFilterKey] = useState('');
  const [filterText, setFilterText] = useState('');
  const [view, setView] = useState('text');
  const [page, setPage] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [topics, setTopics] = useState([]);
  const [tail, setTail] = useState(null);
  const tailConsumer = useRef(null);

  useEffect(() => {
    call('Listing topics', (c) => c.admin().listTopics()).then(setTopics, (err) => setError(err.consoleMessage ?? String(err)));
    return () => stopTail();
  }, []);

  async function load(from) {
    if (!topic) return;
    setBusy(true);
    setError('');
    try {
      const offset = from ?? await resolveStart(topic, partition, { kind: startKind, value: startValue });
      setPage(await readPage({ topic, partition, from: offset, limit: PAGE_RECORDS_DEFAULT, filter: { key: filterKey, text: filterText } }));
    } catch (err) {
      setError(err.consoleMessage ?? String(err));
    } finally {
      setBusy(false);
    }
  }

  async function startTail() {
    stopTail();
    setError('');
    const records = [];
    setTail({ records: [], from: null });
    try {
      const consumer = await call('Opening the live tail', async (c) => {
        const cons = c.consumer({ maxWaitMs: 500 });
        await cons.assign({ topic, partition, offset: 'latest' });
        return cons;
      });
      tailConsumer.current = consumer;
      // The log end the tail follows from: every record from this offset on will show.
      const from = consumer.position({ topic, partition });
      setTail({ records: [], from });
      (async () => {
        try {
          for await (const batch of consumer.batches()) {
            records.unshift(...batch.records.reverse());
            records.length = Math.min(records.length, TAIL_RECORDS_MAX);
            setTail({ records: [...records], from });
          }
        } catch (err) {
          if (tailConsumer.current === consumer) setError(`Live tail stopped — ${err.name}: ${err.message}`);
        }
      })();
    } catch (err) {
      setError(err.consoleMessage ?? String(err));
      setTail(null);
    }
  }

  function stopTail() {
    const c = tailConsumer.current;
    tailConsumer.current = null;
    if (c) c.close().catch(() => {});
    setTail(null);
  }

  const per = PAGE_RECORDS_DEFAULT;
  return html`<section>
    <h2>Messages</h2>
    <form class="inline" data-testid="browse" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <input list="topic-names" placeholder="topic" value=${topic} required name="topic" onInput=${(e) => setTopic(e.target.value)} />
      <datalist id="topic-names">${topics.slice(0, 1000).map((t) => html`<option value=${t} />`)}</datalist>
      <label>partition <input type="number" min="0" name="partition" value=${partition} onInput=${(e) => setPartition(Number(e.target.value))} /></label>
      <select name="start" value=${startKind} onChange=${(e) => setStartKind(e.target.value)}>
        <option value="earliest">earliest</option><option value="latest">latest</option>
        <option value="offset">from offset</option><option value="timestamp">from time</option>
      </select>
      ${(startKind === 'offset' || startKind === 'timestamp') && html`<input name="start-value" value=${startValue}
        placeholder=${startKind === 'offset' ? 'offset' : '2026-12-03T12:00:00Z'} onInput=${(e) => setStartValue(e.target.value)} />`}
      <input name="filter-key" placeholder="key equals" value=${filterKey} onInput=${(e) => setFilterKey(e.target.value)} />
      <input name="filter-text" placeholder="contains" value=${filterText} onInput=${(e) => setFilterText(e.target.value)} />
      <button type="submit" disabled=${busy}>Show</button>
      ${tail ? html`<button type="button" onClick=${stopTail}>Stop live tail</button>`
        : html`<button type="button" disabled=${!topic} onClick=${startTail}>Live tail</button>`}
      <select name="view" value=${view} onChange=${(e) => setView(e.target.value)}>
        <option value="text">text</option><option value="json">JSON</option><option value="hex">hex</option>
      </select>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${tail && html`<div data-testid="tail" data-from=${tail.from ?? ''}><h3>Live tail of ${topic}-${partition}
      <small>${tail.from === null ? '(opening…)' : `(following from offset ${tail.from}; newest first, ${tail.records.length} shown)`}</small></h3>
      <table class="records"><thead><tr><th>Offset</th><th>Timestamp</th><th>Key</th><th>Headers</th><th>Value</th></tr></thead>
      <tbody><${RecordRows} records=${tail.records} view=${view} /></tbody></table></div>`}
    ${page && !tail && html`<div data-testid="page">
      <div class="toolbar">
        <button disabled=${busy || page.from <= page.logStart} onClick=${() => load(Math.max(page.logStart, page.from - per))}>‹ previous</button>
        <span>offsets ${page.from}–${page.next - 1} of [${page.logStart}, ${page.logEnd}) · ${page.records.length} shown${page.scanned !== page.records.length ? ` of ${page.scanned} scanned` : ''}
          ${page.truncatedScan ? ' · scan limit reached: press next to keep looking' : ''}</span>
        <button disabled=${busy || page.next >= page.logEnd} onClick=${() => load(page.next)}>next ›</button>
      </div>
      ${page.records.length === 0 ? html`<p>No records here.</p>` : html`<table class="records">
        <thead><tr><th>Offset</th><th>Timestamp</th><th>Key</th><th>Headers</th><th>Value</th></tr></thead>
        <tbody><${RecordRows} records=${page.records} view=${view} /></tbody></table>`}
    </div>`}
    <${ProduceForm} topic=${topic} partition=${partition} />
  </section>`;
}

function parseHeaders(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (line.trim() && i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return out;
}

function ProduceForm({ topic, partition }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [headers, setHeaders] = useState('');
  const [result, setResult] = useState('');
  async function send(e) {
    e.preventDefault();
    try {
      const [meta] = await call(`Producing to ${topic}`, (c) => c.producer().send({
        topic, messages: [{ key: key === '' ? null : key, value, headers: parseHeaders(headers), partition }],
      }));
      setResult(`Produced at ${meta.topic}-${meta.partition} offset ${meta.offset}.`);
    } catch (err) {
      setResult(err.consoleMessage ?? String(err));
    }
  }
  return html`<form class="produce" data-testid="produce" onSubmit=${send}>
    <h3>Produce a record to ${topic || '…'}-${partition}</h3>
    <input name="key" placeholder="key (empty: null)" value=${key} onInput=${(e) => setKey(e.target.value)} />
    <textarea name="value" placeholder="value" value=${value} onInput=${(e) => setValue(e.target.value)}></textarea>
    <textarea name="headers" placeholder="headers, one name=value per line" value=${headers} onInput=${(e) => setHeaders(e.target.value)}></textarea>
    <button type="submit" disabled=${!topic}>Produce</button>
    ${result && html`<span class="notice" data-testid="produce-result">${result}</span>`}
  </form>`;
}
