/**
 * How the CLI reports: data on stdout, diagnostics on stderr, and failures as one line on
 * stderr with a non-zero exit code (2 for bad arguments, 1 for everything else).
 */
import { StrataError, ErrorCode } from '../../proto/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function describeError(err: unknown): string {
  if (err instanceof StrataError) return `${err.name}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function exitCodeFor(err: unknown): number {
  return err instanceof StrataError && err.code === ErrorCode.INVALID_CONFIG ? EXIT_USAGE : EXIT_FAILURE;
}

/** Prints the one-line failure and exits. */
export function fail(err: unknown): never {
  process.stderr.write(`strata: ${describeError(err)}\n`);
  process.exit(exitCodeFor(err));
}

/**
 * A closed stdout (`strata consume ... | head`) is the reader saying it has enough: exit quietly
 * with success, as Unix tools do, instead of crashing on EPIPE.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OK);
    fail(err);
  });
}

/**
 * Writes to stdout honouring backpressure, so piping a large consume into a slow reader does
 * not buffer the whole stream in memory.
 */
export function writeOut(line: string): Promise<void> | undefined {
  if (process.stdout.write(line)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}
