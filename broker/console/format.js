// Formatting for tables and the message browser. Values are shown as text, pretty JSON or
// hex; what cannot be shown as asked says so instead of failing.

const decoder = new TextDecoder('utf-8', { fatal: false });
/** Longest value rendered in full in a table cell; the rest is cut with a marker. */
export const VALUE_CHARS_MAX = 2000;

/** `1 topic`, `3 topics`: a count with its noun. */
export function plural(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${s % 60}s`;
  return `${m}m ${s % 60}s`;
}

export function formatRetention(ms) {
  return ms === undefined || ms < 0 ? 'forever' : formatDuration(ms);
}

export function formatTimestamp(ms) {
  return Number.isFinite(ms) && ms >= 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '—';
}

export function toText(bytes) {
  return bytes === null || bytes === undefined ? null : decoder.decode(bytes);
}

export function toHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i > 0 && i % 16 === 0 ? '\n' : i > 0 ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return out;
}

/** The value as the chosen view shows it: 'text', 'json' (pretty; falls back to text) or 'hex'. */
export function renderValue(bytes, view) {
  if (bytes === null || bytes === undefined) return { text: 'null', note: '' };
  let text;
  let note = '';
  if (view === 'hex') text = toHex(bytes);
  else {
    text = toText(bytes);
    if (view === 'json') {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        note = 'not JSON';
      }
    }
  }
  if (text.length > VALUE_CHARS_MAX) {
    note = `${note ? `${note}; ` : ''}${text.length - VALUE_CHARS_MAX} more characters`;
    text = text.slice(0, VALUE_CHARS_MAX);
  }
  return { text, note };
}

export function formatRate(n) {
  return Number.isFinite(n) ? (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0)) : '—';
}
