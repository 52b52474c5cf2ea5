/**
 * Argument parsers and client plumbing shared by the `strata perf` commands.
 */
import { InvalidConfigError, TopicAlreadyExistsError, type Strata } from '../../../client/index.js';

/** A rate in records per second: a positive number, or -1 for "unthrottled" (Kafka's --throughput). */
export function parseThroughput(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '-1') return -1;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidConfigError(`--throughput must be a positive number of records/s or -1, got '${raw}'`);
  }
  return value;
}

/** A positive number, possibly fractional (a rate, a duration in seconds). */
export function parsePositiveNumber(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidConfigError(`${name} must be a positive number, got '${raw}'`);
    }
    return value;
  };
}

/** A number >= 0, possibly fractional. */
export function parseNonNegativeNumber(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new InvalidConfigError(`${name} must be a number >= 0, got '${raw}'`);
    }
    return value;
  };
}

/**
 * Creates `topic` with `partitions` partitions unless it exists; returns false if it existed
 * (its partition count is then left as it is).
 */
export async function ensureTopic(client: Strata, topic: string, partitions: number): Promise<boolean> {
  try {
    await client.admin().createTopic({ name: topic, partitions });
    return true;
  } catch (err) {
    if (err instanceof TopicAlreadyExistsError) return false;
    throw err;
  }
}

/** A payload of `bytes` random upper-case letters, as Kafka's producer-perf makes one. */
export function randomPayload(bytes: number): Buffer {
  const payload = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = 65 + Math.floor(Math.random() * 26);
  return payload;
}
