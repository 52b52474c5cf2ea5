/**
 * Per-request metrics from the server's observer seam (broker/server/hooks.ts), for both
 * listeners: a duration histogram per listener and API, failed requests, and bytes on the wire.
 *
 * Cost per request: one Map lookup for the (listener, api) children, then plain increments;
 * the prom-client children are created once per pair, never per request.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RequestCompletion, RequestObserver } from '../server/hooks.js';
import type { RequestContext } from '../server/request-context.js';
import { REQUEST_SECONDS_BUCKETS } from './constants.js';

interface Children {
  readonly duration: ReturnType<Histogram<'listener' | 'api'>['labels']>;
  readonly errors: ReturnType<Counter<'listener' | 'api'>['labels']>;
  readonly received: ReturnType<Counter<'listener'>['labels']>;
  readonly sent: ReturnType<Counter<'listener'>['labels']>;
}

export class RequestMetrics implements RequestObserver {
  private readonly duration: Histogram<'listener' | 'api'>;
  private readonly errors: Counter<'listener' | 'api'>;
  private readonly received: Counter<'listener'>;
  private readonly sent: Counter<'listener'>;
  private readonly children = new Map<string, Children>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'strata_request_duration_seconds', help: 'Time from a decoded request to its encoded answer, per listener and API',
      labelNames: ['listener', 'api'], buckets: [...REQUEST_SECONDS_BUCKETS], registers,
    });
    this.errors = new Counter({
      name: 'strata_request_errors_total', help: 'Requests that failed as a whole (per-partition errors are not counted), per listener and API',
      labelNames: ['listener', 'api'], registers,
    });
    this.received = new Counter({ name: 'strata_network_received_bytes_total', help: 'Request frame bytes received, per listener', labelNames: ['listener'], registers });
    this.sent = new Counter({ name: 'strata_network_sent_bytes_total', help: 'Answer frame bytes sent, per listener', labelNames: ['listener'], registers });
  }

  onRequestComplete(ctx: RequestContext, c: RequestCompletion): void {
    const key = `${ctx.listener}/${c.api}`;
    let ch = this.children.get(key);
    if (!ch) {
      ch = {
        duration: this.duration.labels(ctx.listener, c.api),
        errors: this.errors.labels(ctx.listener, c.api),
        received: this.received.labels(ctx.listener),
        sent: this.sent.labels(ctx.listener),
      };
      this.children.set(key, ch);
    }
    ch.duration.observe(c.durationMs / 1000);
    if (c.error) ch.errors.inc();
    if (c.bytesIn > 0) ch.received.inc(c.bytesIn);
    if (c.bytesOut > 0) ch.sent.inc(c.bytesOut);
  }
}
