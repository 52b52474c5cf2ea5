/**
 * Logging hook. The SDK logs nothing unless given a logger; the shape is pino's (an object of
 * fields first, then a constant message), so a pino logger can be passed as is.
 */

/** Fields attached to a log line (component, topic, partition, error...). */
export type LogFields = Record<string, unknown>;

/**
 * A logger the SDK reports lifecycle events (info), connection trouble and retries (warn),
 * and unexpected failures (error) to. Compatible with pino.
 */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const noop = (): void => {};

/** The default: discards everything. */
export const NOOP_LOGGER: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * Adds fixed bindings to every line, like pino's `child`, without requiring the logger to have
 * a `child` method.
 */
export function childLogger(parent: Logger, bindings: LogFields): Logger {
  if (parent === NOOP_LOGGER) return parent;
  return {
    debug: (f, m) => parent.debug({ ...bindings, ...f }, m),
    info: (f, m) => parent.info({ ...bindings, ...f }, m),
    warn: (f, m) => parent.warn({ ...bindings, ...f }, m),
    error: (f, m) => parent.error({ ...bindings, ...f }, m),
  };
}
