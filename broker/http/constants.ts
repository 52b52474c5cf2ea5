/**
 * Bounds of the plain-HTTP side of the WebSocket port (health, metrics, the web console).
 *
 * The handshake guard (broker/ws/handshake-guard.ts) bounds a connection until its request line
 * and headers are read; these bound what comes after: writing the answer, and what may be read
 * from disk to write it.
 */
import assert from 'node:assert/strict';

/**
 * Longest an HTTP answer may take to be written once its request was read; a client that reads
 * slower is cut off. A scrape or a console asset takes milliseconds on a live network; 30 s
 * leaves room for a slow link without letting a non-reader hold a connection slot for ever.
 */
export const HTTP_RESPONSE_MS_MAX = 30_000;

/**
 * Largest console file served. The console's bundle is a few hundred KiB; anything larger in
 * dist/console/ is not ours and is refused rather than streamed to every visitor.
 */
export const STATIC_FILE_BYTES_MAX = 16 * 1024 * 1024;

/** Console files whose gzip-compressed bytes are kept (the build emits a handful). */
export const GZIP_CACHE_FILES_MAX = 64;

/** Unhealthy partitions named in a /readyz answer; the count is always given in full. */
export const READYZ_PARTITIONS_LISTED_MAX = 16;

/** Longest request target (path and query) accepted; longer ones get 414. */
export const HTTP_URL_BYTES_MAX = 2048;

assert.ok(HTTP_RESPONSE_MS_MAX > 0 && STATIC_FILE_BYTES_MAX > 0 && GZIP_CACHE_FILES_MAX > 0 && READYZ_PARTITIONS_LISTED_MAX > 0 && HTTP_URL_BYTES_MAX > 0);
