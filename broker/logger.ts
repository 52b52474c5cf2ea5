/**
 * The one root pino logger. Components take a child with their bindings
 * (`rootLogger.child({ component: 'storage', topic, partition })`); messages are constant
 * strings with data in the object argument, so hot paths do no string building.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createRootLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'strata' } }, destination ?? pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
