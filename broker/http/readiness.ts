/**
 * What /healthz and /readyz answer (Kubernetes' liveness and readiness split):
 *
 * - /healthz: 200 while the process serves HTTP at all. It never looks at storage: restarting a
 *   broker because one disk failed would only make it recover the other partitions again.
 * - /readyz: 200 once recovery is done and every partition is healthy; 503 with a short JSON
 *   reason otherwise: `recovering` (logs, topics and groups are still being opened),
 *   `unhealthy` (a partition's log refused to acknowledge after a failed fsync and must be
 *   reopened: it is named), or `stopping` (shutdown began; take the broker out of rotation).
 */
import type { ServerResponse } from 'node:http';
import { READYZ_PARTITIONS_LISTED_MAX } from './constants.js';

export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: 'recovering' | 'stopping' }
  | { readonly ready: false; readonly reason: 'unhealthy'; readonly partitions: readonly string[] };

/** The broker's side: asked once per /readyz request. */
export interface ReadinessSource {
  readiness(): Readiness;
}

/** Readiness of a running broker from the health of its partitions (topic-partition names). */
export function partitionsReadiness(partitions: Iterable<{ readonly topic: string; readonly index: number; readonly healthy: boolean }>): Readiness {
  const unhealthy: string[] = [];
  for (const p of partitions) if (!p.healthy) unhealthy.push(`${p.topic}-${p.index}`);
  return unhealthy.length === 0 ? { ready: true } : { ready: false, reason: 'unhealthy', partitions: unhealthy };
}

export function answerHealthz(res: ServerResponse, head: boolean): void {
  sendJson(res, 200, { status: 'ok' }, head);
}

export function answerReadyz(res: ServerResponse, source: ReadinessSource, head: boolean): void {
  const r = source.readiness();
  if (r.ready) return sendJson(res, 200, { status: 'ready' }, head);
  if (r.reason !== 'unhealthy') return sendJson(res, 503, { status: r.reason }, head);
  sendJson(res, 503, {
    status: 'unhealthy',
    reason: 'partitions failed an fsync and acknowledge nothing until the broker restarts',
    unhealthyPartitions: r.partitions.length,
    partitions: r.partitions.slice(0, READYZ_PARTITIONS_LISTED_MAX),
  }, head);
}

function sendJson(res: ServerResponse, status: number, body: object, head: boolean): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store',
  });
  res.end(head ? undefined : text);
}
