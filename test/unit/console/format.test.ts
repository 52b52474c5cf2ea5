import { describe, expect, it } from 'vitest';
// @ts-expect-error the console's sources are plain ES modules without typings
import { formatBytes, formatDuration, renderValue, toHex, VALUE_CHARS_MAX } from '../../../broker/console/format.js';
// @ts-expect-error the console's sources are plain ES modules without typings
import { matches } from '../../../broker/console/record-filter.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('the console shows values', () => {
  it('as pretty JSON, or as text with a note when they are not JSON', () => {
    expect(renderValue(bytes('{"a":1,"b":[2]}'), 'json')).toEqual({ text: '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}', note: '' });
    expect(renderValue(bytes('not json'), 'json')).toEqual({ text: 'not json', note: 'not JSON' });
    expect(renderValue(null, 'text')).toEqual({ text: 'null', note: '' });
  });

  it('as hex, 16 bytes a line, and cuts long values with a marker', () => {
    expect(toHex(Uint8Array.from({ length: 17 }, (_, i) => i))).toBe('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n10');
    const long = renderValue(bytes('x'.repeat(VALUE_CHARS_MAX + 5)), 'text');
    expect(long.text.length).toBe(VALUE_CHARS_MAX);
    expect(long.note).toBe('5 more characters');
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatDuration(90_061_000)).toBe('1d 1h 1m');
  });
});

describe('the message filter', () => {
  const record = { key: bytes('user-7'), value: bytes('{"item":"book"}'), headers: [{ key: 'source', value: bytes('web') }] };
  it('matches an exact key, and a substring of key, value or header', () => {
    expect(matches(record, {})).toBe(true);
    expect(matches(record, { key: 'user-7' })).toBe(true);
    expect(matches(record, { key: 'user' })).toBe(false);
    expect(matches(record, { text: 'book' })).toBe(true);
    expect(matches(record, { text: 'web' })).toBe(true);
    expect(matches(record, { text: 'lamp' })).toBe(false);
    expect(matches({ key: null, value: null, headers: [] }, { text: 'x' })).toBe(false);
  });
});
