/**
 * Recycles buffers that carry wire frames: the producer's batch buffers and the broker's fetch
 * response frames. It lives in proto/ because both sides use it for the bytes they put on the
 * wire. A producer at 1M records/s fills ~100 MiB/s of batch
 * buffers; allocating each afresh costs page faults on first touch and, because Node keeps
 * large Buffers outside the JS heap, forces garbage collections by "external memory pressure"
 * (measured: a third of all scavenges). Recycling makes the steady state allocation-free.
 *
 * Buffers come in size classes from POOL_BUFFER_BYTES_MIN up, four per doubling (2^k times
 * 1, 1.25, 1.5, 1.75), so a request wastes at most a fifth; `acquire(n)` returns one of at
 * least n bytes (from the pool when it has one of that class). Only buffers
 * whose bytes nobody can still read may be released: the producer releases a batch's buffer
 * once the broker acknowledged it (so the frame carrying it was fully written), never after a
 * failure, when the socket might still hold it.
 *
 * Bounds: at most `pooledBytesMax` bytes are kept; releases beyond it are left to the GC.
 * Concurrency: one pool per owner (a producer, or the broker's fetch path), event-loop use only.
 */
import assert from './assert.js';
import { allocBytesSlow } from './bytes.js';

/** Smallest class: batches below it are cheap to allocate anyway. */
export const POOL_BUFFER_BYTES_MIN = 16 * 1024;

/**
 * `B` is the byte type handed out: Uint8Array for the SDK (Buffers on Node, see
 * platform/node.ts), Buffer for the broker, which passes its own allocator.
 */
export class BufferPool<B extends Uint8Array = Uint8Array> {
  private readonly pooledBytesMax: number;
  private readonly free = new Map<number, B[]>();
  private readonly allocate: (size: number) => B;
  private pooledBytes = 0;

  constructor(pooledBytesMax: number, allocate?: (size: number) => B) {
    this.pooledBytesMax = pooledBytesMax;
    this.allocate = allocate ?? (allocBytesSlow as (size: number) => B);
  }

  /** Size class of a request: at least POOL_BUFFER_BYTES_MIN, rounded up to a quarter step. */
  static classOf(bytes: number): number {
    if (bytes <= POOL_BUFFER_BYTES_MIN) return POOL_BUFFER_BYTES_MIN;
    let power = POOL_BUFFER_BYTES_MIN;
    while (power * 2 <= bytes) power *= 2;
    const step = power / 4;
    return Math.ceil(bytes / step) * step;
  }

  acquire(bytes: number): B {
    const size = BufferPool.classOf(bytes);
    const list = this.free.get(size);
    const buf = list?.pop();
    if (buf !== undefined) {
      this.pooledBytes -= size;
      return buf;
    }
    return this.allocate(size);
  }

  /** Returns a buffer obtained from acquire(); its contents must no longer be in use. */
  release(buf: B): void {
    const size = buf.length;
    assert.equal(BufferPool.classOf(size), size, 'released buffer did not come from the pool');
    if (this.pooledBytes + size > this.pooledBytesMax) return;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
    this.pooledBytes += size;
  }

  get pooledBytesNow(): number {
    return this.pooledBytes;
  }
}
