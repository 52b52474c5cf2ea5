/**
 * A bare protocol client for crash, corruption and fuzz tests: one real `ws` WebSocket, frames
 * from proto/messages.ts, no retries, no batching, so a test sees exactly what the broker sends
 * and can send exactly the bytes it wants (`sendRaw`), including ones the SDK would refuse.
 *
 * Also the readers the tests check the log with: `readPartition` fetches a partition from an
 * offset to its high watermark and decodes every batch (CRC checked), and `partitionDigest`
 * hashes the stored bytes so a test can tell that nothing acknowledged changed.
 */
import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import { BATCH_LENGTH_PREFIX_BYTES, PROTOCOL_VERSION } from '../../../proto/constants.js';
import { decodeResponse, encodeRequest, pb, type RequestProps, type Response } from '../../../proto/messages.js';
import { decodeRecordBatch, type DecodedRecord } from '../../../proto/record-batch.js';

/** Default wait for one response. */
export const RESPONSE_MS_MAX = 10_000;
/** Bytes asked per partition per fetch while reading a whole partition. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

export interface Closed {
  code: number;
  reason: string;
}

export class WireClient {
  readonly ws: WebSocket;
  readonly received: Response[] = [];
  readonly closed: Promise<Closed>;
  /** Frames the client could not decode (the broker must never send one). */
  undecodable = 0;
  private nextId = 1;
  private readonly waiters = new Map<number, (r: Response) => void>();

  private constructor(ws: WebSocket, firstCorrelationId: number) {
    this.ws = ws;
    this.nextId = firstCorrelationId;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined); // 'close' follows and is what tests look at
    ws.on('message', (data) => {
      let res: Response;
      try {
        res = decodeResponse(data as Buffer);
      } catch {
        this.undecodable++;
        return;
      }
      this.received.push(res);
      const waiter = this.waiters.get(res.correlationId);
      if (waiter) {
        this.waiters.delete(res.correlationId);
        waiter(res);
      }
    });
  }

  /**
   * `firstCorrelationId`: fuzz tests start high, so that the ids of their own requests do not
   * collide with the (mostly small) ids random frames happen to decode to.
   */
  static connect(url: string, options: { maxPayload?: number; firstCorrelationId?: number } = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: options.maxPayload ?? 256 * 1024 * 1024 });
      ws.once('open', () => resolve(new WireClient(ws, options.firstCorrelationId ?? 1)));
      ws.once('error', reject);
    });
  }

  /** Connects and performs the ApiVersions handshake. */
  static async handshake(url: string): Promise<WireClient> {
    const c = await WireClient.connect(url);
    const res = await c.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION, clientSoftware: 'strata-tests' } });
    if (res.error) throw new Error(`handshake failed: ${res.error.message}`);
    return c;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends with a fresh correlation id and resolves with the response. */
  request(req: Omit<RequestProps, 'correlationId'>, timeoutMs = RESPONSE_MS_MAX): Promise<Response> {
    const id = this.send(req);
    return this.responseTo(id, timeoutMs);
  }

  /** Sends without waiting; returns the correlation id. */
  send(req: Omit<RequestProps, 'correlationId'>): number {
    const id = this.takeId();
    this.ws.send(encodeRequest({ ...req, correlationId: id }));
    return id;
  }

  /** A correlation id no request of this client has used. */
  takeId(): number {
    return this.nextId++;
  }

  responseTo(id: number, timeoutMs = RESPONSE_MS_MAX): Promise<Response> {
    const already = this.received.find((r) => r.correlationId === id);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`no response to correlation id ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      void this.closed.then(() => {
        if (!this.waiters.has(id)) return;
        this.waiters.delete(id);
        clearTimeout(timer);
        reject(new Error(`connection closed before a response to correlation id ${id}`));
      });
    });
  }

  sendRaw(data: Buffer | string, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface PartitionContents {
  records: DecodedRecord[];
  highWatermark: number;
  logStartOffset: number;
  /** The stored bytes of every batch, in order (offsets and epochs stamped). */
  bytes: Buffer[];
}

/**
 * Reads a partition from `fromOffset` (the first batch may start before it) to its high
 * watermark, decoding every batch with its CRC checked, and checks that batches are dense: each
 * starts where the previous one ended. Throws with the wire error if a fetch fails.
 */
export async function readPartition(c: WireClient, topic: string, partition: number, fromOffset = 0): Promise<PartitionContents> {
  const records: DecodedRecord[] = [];
  const bytes: Buffer[] = [];
  let next = fromOffset;
  let expectBase: number | null = null;
  for (;;) {
    const res = await c.request({ fetch: {
      maxWaitMs: 0, minBytes: 0, maxBytes: READ_CHUNK_BYTES,
      topics: [{ name: topic, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: READ_CHUNK_BYTES }] }],
    } });
    if (res.error) throw new Error(`fetch failed: ${res.error.name}: ${res.error.message}`);
    const p = res.fetch!.topics![0]!.partitions![0]!;
    if (p.error && p.error.code) {
      throw Object.assign(new Error(`fetch ${topic}-${partition}@${next} failed: ${p.error.name}: ${p.error.message}`), { wire: p.error });
    }
    const hw = Number(p.highWatermark);
    const logStartOffset = Number(p.logStartOffset);
    const buf = Buffer.from(p.records ?? []);
    if (buf.length === 0) {
      if (next < hw) throw new Error(`fetch at ${next} below the high watermark ${hw} returned nothing`);
      return { records, highWatermark: hw, logStartOffset, bytes };
    }
    for (let pos = 0; pos < buf.length;) {
      const size = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(pos + 8);
      const { header, records: batchRecords } = decodeRecordBatch(buf, pos, true);
      if (expectBase !== null && header.baseOffset !== expectBase) {
        throw new Error(`batch at offset ${header.baseOffset} does not continue the log at ${expectBase}`);
      }
      expectBase = header.baseOffset + header.lastOffsetDelta + 1;
      if (header.lastOffsetDelta + 1 !== batchRecords.length) throw new Error(`batch at ${header.baseOffset} has a lying record count`);
      for (const r of batchRecords) if (r.offset >= next) records.push(r);
      bytes.push(buf.subarray(pos, pos + size));
      next = Math.max(next, expectBase);
      pos += size;
    }
    if (next >= hw) return { records, highWatermark: hw, logStartOffset, bytes };
  }
}

/** SHA-256 over a partition's stored batches (everything below the high watermark). */
export async function partitionDigest(c: WireClient, topic: string, partitions: number): Promise<string> {
  const hash = createHash('sha256');
  for (let p = 0; p < partitions; p++) {
    const contents = await readPartition(c, topic, p);
    hash.update(`${p}:${contents.highWatermark}:`);
    for (const b of contents.bytes) hash.update(b);
  }
  return hash.digest('hex');
}

/** Produce request body for raw batches into one partition. */
export function produceBody(topic: string, partition: number, records: Buffer, acks: number = pb.Acks.ACKS_ALL): Omit<RequestProps, 'correlationId'> {
  return { produce: { acks, timeoutMs: 10_000, topics: [{ name: topic, partitions: [{ partition, records }] }] } };
}
