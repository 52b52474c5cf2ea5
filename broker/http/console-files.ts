/**
 * The web console's static files, served at `/` (index.html) and `/assets/*` from the directory
 * the build writes (dist/console/, built by `npm run build`; the console's sources are in
 * broker/console/). Until the console has been built, `/` answers 503 saying so.
 *
 * Only names made of [A-Za-z0-9._-] segments directly under assets/ (one level of
 * sub-directories allowed) are looked up, so no request can name a file outside the
 * directory; files larger than STATIC_FILE_BYTES_MAX are refused. Files are read per request
 * (they are small, and the page cache holds them); index.html is never cached by the browser so
 * a new build shows at once, the assets for an hour.
 *
 * Text files (JavaScript, CSS, HTML, source maps) go gzip-compressed to browsers that accept it:
 * the console's bundle shrinks about fourfold. The compressed bytes are made off the event loop
 * (zlib's thread pool) and kept per file, for as long as the file's size and mtime stay the same,
 * for at most GZIP_CACHE_FILES_MAX files.
 */
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GZIP_CACHE_FILES_MAX, STATIC_FILE_BYTES_MAX } from './constants.js';

const gzipAsync = promisify(gzip);

/** Types worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/** dist/console/ beside the compiled broker (dist/broker/http/ → dist/console/). */
export const CONSOLE_DIR_DEFAULT = fileURLToPath(new URL('../../console/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export class ConsoleFiles {
  /** Compressed bodies by file path, valid while the file keeps its size and mtime. */
  private readonly gzipped = new Map<string, { size: number; mtimeMs: number; body: Buffer }>();

  constructor(readonly dir: string = CONSOLE_DIR_DEFAULT) {}

  /** Answers `/` or `/index.html`. */
  async index(req: IncomingMessage, res: ServerResponse, head: boolean): Promise<void> {
    const sent = await this.sendFile(req, res, path.join(this.dir, 'index.html'), 'no-cache', head);
    if (!sent) {
      sendText(res, 503, 'The web console is not built: run `npm run build` (dist/console/index.html is missing).\n'
        + 'The broker itself is serving; /healthz, /readyz and /metrics work.\n', head);
    }
  }

  /** Answers `/assets/<rest>`; `rest` is the decoded path after `/assets/`. */
  async asset(req: IncomingMessage, res: ServerResponse, rest: string, head: boolean): Promise<void> {
    const segments = rest.split('/');
    if (segments.length > 2 || !segments.every((s) => SAFE_SEGMENT.test(s))) return sendText(res, 404, 'not found\n', head);
    const sent = await this.sendFile(req, res, path.join(this.dir, 'assets', ...segments), 'public, max-age=3600', head);
    if (!sent) sendText(res, 404, 'not found\n', head);
  }

  /** Sends the file; false (nothing sent) when it does not exist, is no regular file or is too large. */
  private async sendFile(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string, head: boolean): Promise<boolean> {
    const ext = path.extname(file).toLowerCase();
    const wantsGzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    let body: Buffer;
    let encoded = false;
    try {
      const fh = await open(file, 'r');
      try {
        const st = await fh.stat();
        if (!st.isFile() || st.size > STATIC_FILE_BYTES_MAX) return false;
        const cached = wantsGzip ? this.gzipped.get(file) : undefined;
        if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
          body = cached.body;
          encoded = true;
        } else {
          body = await fh.readFile();
          if (wantsGzip) {
            body = await gzipAsync(body);
            encoded = true;
            if (this.gzipped.size >= GZIP_CACHE_FILES_MAX) this.gzipped.delete(this.gzipped.keys().next().value!);
            this.gzipped.set(file, { size: st.size, mtimeMs: st.mtimeMs, body });
          }
        }
      } finally {
        await fh.close();
      }
    } catch {
      return false; // missing, a directory, unreadable: all "not here"
    }
    if (res.destroyed) return true;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      ...(COMPRESSIBLE.has(ext) ? { vary: 'accept-encoding' } : {}),
      ...(encoded ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(head ? undefined : body);
    return true;
  }
}

export function sendText(res: ServerResponse, status: number, text: string, head = false, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers,
  });
  res.end(head ? undefined : text);
}
