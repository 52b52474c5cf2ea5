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

export function isValidTopicName(name: unknown): name is string {
  try {
    validateTopicName(name);
    return true;
  } catch {
    return false;
  }
}

/** `<topic>-<partition>`: the partition directory name, as storage lays it out. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Splits a partition directory name at its last `-`. Unambiguous because a partition is all
 * digits: `a-1-0` is topic `a-1`, partition 0. Returns null for names that are not partition
 * directories (topics.json, temp files, anything else).
 */
export function parsePartitionDirName(dirName: string): { topic: string; partition: number } | null {
  const dash = dirName.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = dirName.slice(dash + 1);
  if (!/^\d{1,9}$/.test(digits)) return null;
  const topic = dirName.slice(0, dash);
  if (!isValidTopicName(topic)) return null;
  return { topic, partition: Number(digits) };
}
