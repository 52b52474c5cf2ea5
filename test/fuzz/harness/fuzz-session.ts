/**
 * Sends hostile frames to a real broker one at a time and classifies what came back.
 *
 * Each `attempt(frame)` writes the frame on the session's connection, then a well-formed probe
 * (ListTopics); the probe's answer means the broker has read past the frame. The frame's outcome
 * is "answered" (responses arrived) or "closed" (the broker closed the connection: the session
 * reconnects for the next attempt). A broker that neither answers the probe nor closes within
 * ATTEMPT_MS_MAX is hung, which fails the test.
 *
 * Every response ever received on a session is checked (late ones too): an error must be a row
 * of the error table (code, name and retriable flag agree); a success must carry a body; per-
 * partition errors inside bodies must be typed as well; no frame may fail to decode. Anything
 * else is recorded in `violations`.
 */
import { ERROR_TABLE } from '../../../proto/errors.js';
import type { Response } from '../../../proto/messages.js';
import { WireClient } from '../../crash/harness/wire-client.js';

/** Longest the broker may take to answer a probe behind a hostile frame. */
export const ATTEMPT_MS_MAX = 5_000;
/** Probe ids start here: random frames rarely decode to correlation ids this large. */
const PROBE_ID_FIRST = 3_000_000_000;
/** WebSocket close codes a broker may use for a bad client (RFC 6455 7.4.1). */
export const ALLOWED_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, 1008, 1009]);

export interface Outcome {
  kind: 'answered' | 'closed';
  closeCode?: number;
  /** Responses (other than the probe's) that arrived before the probe's. */
  responses: Response[];
}

type WireErr = { code?: number | null; name?: string | null; retriable?: boolean | null } | null | undefined;

export function typedErrorProblem(err: WireErr, where: string): string | null {
  if (!err || !err.code) return null;
  const spec = ERROR_TABLE[err.code];
  if (!spec) return `${where}: error code ${err.code} is not in the error table`;
  if (spec.name !== err.name || spec.retriable !== err.retriable) {
    return `${where}: error ${err.code} sent as ${err.name}/${err.retriable}, table says ${spec.name}/${spec.retriable}`;
  }
  if (err.code === 1) return `${where}: UnknownServerError (a handler threw something untyped)`;
  return null;
}

/** Problems with one response: untyped errors anywhere in it, or a success without a body. */
export function responseProblems(res: Response): string[] {
  const where = `response ${res.correlationId}`;
  const out: string[] = [];
  const top = typedErrorProblem(res.error, where);
  if (top) out.push(top);
  if (res.error && res.error.code) return out;
  if (!res.body) {
    out.push(`${where}: success without a body`);
    return out;
  }
  // Per-topic and per-partition errors of every body shape.
  const walk = (value: unknown, path: string): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'error') {
        const p = typedErrorProblem(v as WireErr, `${where} ${path}`);
        if (p) out.push(p);
      } else if (typeof v === 'object' && !(v instanceof Uint8Array)) {
        walk(v, `${path}.${k}`);
      }
    }
  };
  walk((res as unknown as Record<string, unknown>)[res.body], res.body);
  return out;
}

export class FuzzSession {
  readonly violations: string[] = [];
  attempts = 0;
  closes = 0;
  private client: WireClient | null = null;
  private checked = 0;
  private readonly allClients: WireClient[] = [];

  constructor(private readonly url: string) {}

  /**
   * `expectId`: the frame's own correlation id when the test knows it; the outcome then waits
   * (up to ATTEMPT_MS_MAX) for that response too, since concurrent requests may be answered
   * after the probe.
   */
  async attempt(frame: Buffer | string, opts: { expectId?: number } = {}): Promise<Outcome> {
    const binary = typeof frame !== 'string';
    this.attempts++;
    const c = await this.connection();
    const before = c.received.length;
    c.sendRaw(frame, binary);
    let probeId = -1;
    if (c.isOpen) probeId = c.send({ listTopics: {} });
    const outcome = await Promise.race([
      c.responseTo(probeId, ATTEMPT_MS_MAX).then(() => 'answered' as const, () => 'closed-or-timeout' as const),
      c.closed.then(() => 'closed' as const),
    ]);
    if (outcome === 'answered') {
      if (opts.expectId !== undefined) {
        // Only a response that arrived after this frame counts (a test may reuse an id).
        const deadline = Date.now() + ATTEMPT_MS_MAX;
        while (!c.received.slice(before).some((r) => r.correlationId === opts.expectId) && c.isOpen && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      this.checkAll();
      return { kind: 'answered', responses: c.received.slice(before).filter((r) => r.correlationId !== probeId) };
    }
    this.checkAll();
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (closed === null) throw new Error(`broker neither answered nor closed within ${ATTEMPT_MS_MAX} ms after frame ${describe(frame)}`);
    this.closes++;
    this.client = null;
    if (!ALLOWED_CLOSE_CODES.has(closed.code)) this.violations.push(`closed with code ${closed.code} after ${describe(frame)}`);
    return { kind: 'closed', closeCode: closed.code, responses: c.received.slice(before) };
  }

  /** Checks every response received so far on every connection of this session. */
  checkAll(): void {
    for (const c of this.allClients) {
      if (c.undecodable > 0) this.violations.push(`${c.undecodable} response frames could not be decoded`);
      c.undecodable = 0;
    }
    for (const c of this.allClients) {
      const marker = c as unknown as { checkedUpTo?: number };
      for (let i = marker.checkedUpTo ?? 0; i < c.received.length; i++) this.violations.push(...responseProblems(c.received[i]!));
      marker.checkedUpTo = c.received.length;
    }
    this.checked++;
  }

  close(): void {
    for (const c of this.allClients) c.terminate();
  }

  private async connection(): Promise<WireClient> {
    if (this.client && this.client.isOpen) return this.client;
    this.client = await WireClient.connect(this.url, { firstCorrelationId: PROBE_ID_FIRST });
    this.allClients.push(this.client);
    // Keep memory flat over thousands of attempts: closed connections' responses are checked.
    if (this.allClients.length > 50) {
      this.checkAll();
      this.allClients.splice(0, this.allClients.length - 1);
    }
    return this.client;
  }
}

function describe(frame: Buffer | string): string {
  return typeof frame === 'string' ? `text(${frame.length})` : `${frame.length} bytes ${frame.subarray(0, 24).toString('hex')}`;
}
