import { describe, expect, it } from 'vitest';
import { InvalidTopicNameError } from '../../../proto/errors.js';
import { isValidTopicName, validateNewTopicName, validateTopicName } from '../../../broker/topics/topic-name.js';

describe('topic names', () => {
  it('accepts 1 to 249 characters of [a-zA-Z0-9._-]', () => {
    for (const name of ['a', 'orders', 'Orders.v2', 'a-b_c.d', '0', '...', 'x'.repeat(249), '.hidden', '-']) {
      expect(() => validateTopicName(name), name).not.toThrow();
    }
  });

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot dot', '..'],
    ['250 characters', 'x'.repeat(250)],
    ['path traversal', '../etc'],
    ['nested traversal', 'a/../../b'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['NUL byte', 'a\u0000b'],
    ['space', 'a b'],
    ['newline', 'a\nb'],
    ['colon', 'a:b'],
    ['non-ASCII letter', 'caf\u00e9'],
    ['emoji', 'topic\u{1F600}'],
  ])('refuses %s', (_what, name) => {
    expect(() => validateTopicName(name)).toThrow(InvalidTopicNameError);
    expect(isValidTopicName(name)).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 42, {}, ['a']]) expect(() => validateTopicName(v)).toThrow(InvalidTopicNameError);
  });

  it('reserves names starting with __ for internal topics, for creation only', () => {
    expect(() => validateNewTopicName('__consumer_offsets')).toThrow(InvalidTopicNameError);
    expect(() => validateNewTopicName('__anything')).toThrow(/reserved for internal topics/);
    expect(() => validateNewTopicName('_single-underscore')).not.toThrow();
    expect(() => validateTopicName('__consumer_offsets')).not.toThrow();
  });
});
