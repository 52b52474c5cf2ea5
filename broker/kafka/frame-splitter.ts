/**
 * Splits a Kafka TCP byte stream into request frames. Each frame is a 4-byte big-endian size
 * followed by that many bytes (header + body). The size is checked against `frameBytesMax` as
 * soon as its 4 bytes are in, before any of the frame is kept: a lying prefix costs the broker
 * nothing but the close. A frame shorter than a request header's fixed part is garbage too.
 *
 * Buffering: incoming chunks are held as they came until a whole frame is there, then copied
 * once into a Buffer of the frame's exact size, so a decoded request (whose bytes fields are
 * views of the frame) pins only its own bytes, never a socket chunk shared with its neighbours.
 * At most one partial frame (at most frameBytesMax bytes) is held per connection.
 *
 * Not thread-safe; one splitter per connection, fed from its 'data' events.
 */
import { REQUEST_HEADER_FIXED_BYTES } from '../../proto/kafka/headers.js';

export const FRAME_SIZE_PREFIX_BYTES = 4;

export type FrameError =
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'too-small'; readonly size: number };

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, once its prefix is read; -1 before. */
  private expected = -1;
  private failed = false;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes held for the frame being assembled. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds one chunk; calls `onFrame` for each whole frame, in order. Returns a FrameError at the
   * first bad size prefix (the stream is unusable after it; later calls return it again).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): FrameError | null {
    if (this.failed) return { kind: 'too-large', size: -1 };
    let pos = 0;
    while (pos < chunk.length) {
      if (this.expected < 0) {
        // Fast path: the whole prefix in this chunk, nothing pending.
        if (this.buffered === 0 && chunk.length - pos >= FRAME_SIZE_PREFIX_BYTES) {
          const err = this.begin(chunk.readInt32BE(pos));
          if (err) return err;
          pos += FRAME_SIZE_PREFIX_BYTES;
        } else {
          const take = Math.min(FRAME_SIZE_PREFIX_BYTES - this.buffered, chunk.length - pos);
          this.hold(chunk.subarray(pos, pos + take));
          pos += take;
          if (this.buffered < FRAME_SIZE_PREFIX_BYTES) return null;
          const prefix = this.take();
          const err = this.begin(prefix.readInt32BE(0));
          if (err) return err;
        }
        continue;
      }
      const need = this.expected - this.buffered;
      const avail = chunk.length - pos;
      if (avail < need) {
        this.hold(chunk.subarray(pos));
        return null;
      }
      const piece = chunk.subarray(pos, pos + need);
      pos += need;
      let frame: Buffer;
      if (this.buffered === 0) {
        frame = Buffer.allocUnsafe(piece.length);
        piece.copy(frame);
      } else {
        this.hold(piece);
        frame = this.take();
      }
      this.expected = -1;
      onFrame(frame);
    }
    return null;
  }

  private begin(size: number): FrameError | null {
    if (size > this.frameBytesMax || size < 0) {
      this.fail();
      return { kind: 'too-large', size };
    }
    if (size < REQUEST_HEADER_FIXED_BYTES) {
      this.fail();
      return { kind: 'too-small', size };
    }
    this.expected = size;
    return null;
  }

  private hold(piece: Buffer): void {
    this.chunks.push(piece);
    this.buffered += piece.length;
  }

  /** The held chunks as one exact-size Buffer; clears them. */
  private take(): Buffer {
    const out = Buffer.allocUnsafe(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      c.copy(out, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    return out;
  }

  private fail(): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
  }
}
