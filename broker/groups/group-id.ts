/**
 * Group id rules: 1 to GROUP_ID_CHARS_MAX characters, no control characters. Group ids never
 * become file names (they are keys inside the offsets log), so unlike topic names any other
 * character is allowed; control characters are refused because they make logs and CLI output
 * ambiguous.
 */
import { InvalidGroupIdError } from '../../proto/errors.js';
import { GROUP_ID_CHARS_MAX } from './constants.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function validateGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0) throw new InvalidGroupIdError('group id is empty');
  if (groupId.length > GROUP_ID_CHARS_MAX) {
    throw new InvalidGroupIdError(`group id is ${groupId.length} characters, the limit is ${GROUP_ID_CHARS_MAX}`);
  }
  if (CONTROL_CHARS.test(groupId)) throw new InvalidGroupIdError(`group id ${JSON.stringify(groupId)} contains control characters`);
}
