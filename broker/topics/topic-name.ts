/**
 * Topic name rules (Kafka's): 1 to TOPIC_NAME_CHARS_MAX characters of [a-zA-Z0-9._-], and not
 * `.` or `..`. Names become directory names (`<dataDir>/<topic>-<partition>`), so the rule is
 * also what keeps a request from reaching outside the data directory: no `/`, no `\`, no NUL.
 */
import { TOPIC_NAME_CHARS_MAX, TOPIC_NAME_PATTERN } from '../../proto/constants.js';
import { InvalidTopicNameError } from '../../proto/errors.js';

/** Throws InvalidTopicNameError unless `name` is a valid topic name. */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidTopicNameError('topic name is empty');
  if (name.length > TOPIC_NAME_CHARS_MAX) {
    throw new InvalidTopicNameError(`topic name is ${name.length} characters, the limit is ${TOPIC_NAME_CHARS_MAX}`);
  }
  if (name === '.' || name === '..') throw new InvalidTopicNameError(`topic name cannot be '${name}'`);
  if (!TOPIC_NAME_PATTERN.test(name)) {
    // JSON.stringify shows control characters escaped, so the log line stays one line.
    throw new InvalidTopicNameError(`topic name ${JSON.stringify(name)} has characters outside [a-zA-Z0-9._-]`);
  }
}

/** Names starting with this are reserved for the broker's own topics (`__consumer_offsets`). */
export const INTERNAL_TOPIC_PREFIX = '__';

/** validateTopicName, plus: users cannot create names reserved for internal topics. */
export function validateNewTopicName(name: unknown): asserts name is string {
  validateTopicName(name);
  if (name.startsWith(INTERNAL_TOPIC_PREFIX)) {
    throw new InvalidTopicNameError(`topic names starting with '${INTERNAL_TOPIC_PREFIX}' are reserved for internal topics`);
  }
}

export function isValidTopicName(name: unknown): name is string {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}
