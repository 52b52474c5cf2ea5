// The message browser's filter, applied to each record as a page is read (message-reader.js).
import { toText } from './format.js';

/** True when a record passes the filter: { key?: exact key text, text?: substring of key, value or header values }. */
export function matches(record, filter) {
  if (filter.key && toText(record.key) !== filter.key) return false;
  if (filter.text) {
    const t = filter.text;
    if (toText(record.key)?.includes(t) || toText(record.value)?.includes(t)) return true;
    return record.headers.some((h) => h.key.includes(t) || toText(h.value)?.includes(t));
  }
  return true;
}
