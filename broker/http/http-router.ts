/**
 * Plain HTTP on the WebSocket port: what a browser or a monitoring system asks for besides the
 * WebSocket itself.
 *
 *   GET /healthz          200 while the process serves (readiness.ts)
 *   GET /readyz           200 once recovered and every partition healthy, else 503 + JSON reason
 *   GET /metrics          Prometheus text exposition (404 when started with --metrics off)
 *   GET / , /index.html   the web console (console-files.ts); 503 text until it is built
 *   GET /assets/*         the console's assets
 *
 * HEAD is answered like GET without a body; any other method on these paths gets 405, any
 * other path 404. Every answer closes its connection: the handshake guard bounds a connection
 * only until its request is read, so none is kept alive idle afterwards (a console page load
 * opens a few connections; a scrape one). The answer must be written within
 * HTTP_RESPONSE_MS_MAX. Handlers never throw into the HTTP server: a failure is logged and
 * answered 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { HTTP_RESPONSE_MS_MAX, HTTP_URL_BYTES_MAX } from './constants.js';
import { sendText, type ConsoleFiles } from './console-files.js';
import { answerHealthz, answerReadyz, type ReadinessSource } from './readiness.js';

/** What /metrics serves: the metrics module's registry, or null when metrics are off. */
export interface MetricsSource {
  readonly contentType: string;
  /** The exposition text; gauges are collected now, at scrape time. */
  render(): Promise<string>;
}

export interface HttpRouterOptions {
  readonly readiness: ReadinessSource;
  readonly metrics: MetricsSource | null;
  readonly console: ConsoleFiles;
  readonly logger: Logger;
}

export class HttpRouter {
  constructor(private readonly opts: HttpRouterOptions) {}

  /** Answers one request; never rejects. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('connection', 'close');
    res.setTimeout(HTTP_RESPONSE_MS_MAX, () => res.destroy());
    this.route(req, res).catch((err: unknown) => {
      this.opts.logger.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '';
    if (target.length > HTTP_URL_BYTES_MAX) return sendText(res, 414, 'request target too long\n');
    // Origin-form only ("/path?query"): absolute-form and "*" are for proxies and OPTIONS.
    if (!target.startsWith('/')) return sendText(res, 400, 'bad request target\n');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(target, 'http://broker.invalid').pathname);
    } catch {
      return sendText(res, 400, 'bad request target\n');
    }
    const known = pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics' || pathname === '/'
      || pathname === '/index.html' || pathname.startsWith('/assets/');
    if (!known) return sendText(res, 404, 'not found\n');
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return sendText(res, 405, 'method not allowed\n', false, { allow: 'GET, HEAD' });

    if (pathname === '/healthz') return answerHealthz(res, head);
    if (pathname === '/readyz') return answerReadyz(res, this.opts.readiness, head);
    if (pathname === '/metrics') return this.metrics(res, head);
    if (pathname === '/' || pathname === '/index.html') return this.opts.console.index(req, res, head);
    return this.opts.console.asset(req, res, pathname.slice('/assets/'.length), head);
  }

  private async metrics(res: ServerResponse, head: boolean): Promise<void> {
    const { metrics } = this.opts;
    if (!metrics) return sendText(res, 404, 'metrics are off (the broker was started with --metrics off)\n', head);
    const text = await metrics.render();
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(head ? undefined : text);
  }
}
