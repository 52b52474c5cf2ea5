/**
 * The broker's version string, from package.json, read once at load. Reported in ApiVersions
 * and in the start-up log line.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  // From broker/server/ (sources under vitest) or dist/broker/server/ (built).
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'strata' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0-unknown';
}

export const BROKER_VERSION = readVersion();
