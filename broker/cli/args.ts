/**
 * Parsers for CLI arguments. Each throws InvalidConfigError with a message naming the option,
 * so a typo is one clear line on stderr, never a stack trace.
 */
import { InvalidConfigError } from '../../proto/errors.js';

/** A non-negative safe integer, e.g. a port, a count or an offset. */
export function parseNonNegativeInt(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new InvalidConfigError(`${name} must be a non-negative integer, got '${raw}'`);
    }
    return value;
  };
}

/** A positive safe integer. */
export function parsePositiveInt(name: string) {
  const parse = parseNonNegativeInt(name);
  return (raw: string): number => {
    const value = parse(raw);
    if (value === 0) throw new InvalidConfigError(`${name} must be greater than 0`);
    return value;
  };
}

/** An integer that may be -1 ("unlimited"/"forever"), as Kafka's retention settings. */
export function parseIntOrUnlimited(name: string) {
  return (raw: string): number => (raw.trim() === '-1' ? -1 : parseNonNegativeInt(name)(raw));
}

export function parseChoice<T extends string>(name: string, choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new InvalidConfigError(`${name} must be one of ${choices.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  };
}

/**
 * HOST:PORT (an IPv6 host in brackets: [::1]:9092); `allowOff` also accepts 'off', returned as
 * the string (commander drops a null a parser returns).
 */
export function parseHostPort(name: string, opts: { allowOff?: boolean; portMin?: number } = {}) {
  return (raw: string): { host: string; port: number } | 'off' => {
    if (opts.allowOff && raw === 'off') return 'off';
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(raw.trim());
    const port = m ? Number(m[3]) : NaN;
    if (!m || !Number.isSafeInteger(port) || port < (opts.portMin ?? 0) || port > 65_535) {
      throw new InvalidConfigError(`${name} must be HOST:PORT${opts.allowOff ? " or 'off'" : ''}, got '${raw}'`);
    }
    return { host: m[1] ?? m[2]!, port };
  };
}

/** A comma-separated list of non-empty items (`a,b`), spaces around items ignored. */
export function parseCommaList(name: string) {
  return (raw: string): string[] => {
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => s.length === 0)) throw new InvalidConfigError(`${name} must be a comma-separated list without empty items, got '${raw}'`);
    return items;
  };
}

/** Where a consumer starts: an offset, or the log's start or end. */
export type OffsetSpec = number | 'earliest' | 'latest';

export function parseOffsetSpec(raw: string): OffsetSpec {
  if (raw === 'earliest' || raw === 'beginning') return 'earliest';
  if (raw === 'latest' || raw === 'end') return 'latest';
  return parseNonNegativeInt('--offset')(raw);
}

/** An ISO 8601 date-time or epoch milliseconds, to a timestamp in ms. */
export function parseTime(raw: string): number {
  if (/^\d+$/.test(raw.trim())) return parseNonNegativeInt('--from-time')(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new InvalidConfigError(`--from-time must be ISO 8601 or epoch ms, got '${raw}'`);
  return ms;
}
