/**
 * Writes Kafka protocol primitives, big-endian, into a list of chunks that can go to a socket as
 * they are (writev). Small fields are copied into growing scratch chunks; a records field of
 * RECORDS_ZERO_COPY_BYTES_MIN or more becomes a chunk of its own, so a fetch response never
 * copies the log bytes it serves. The caller may reserve an int32 at the start (the frame's size
 * prefix) and fill it once the total is known.
 *
 * Not thread-safe; one writer per message. Chunks handed out by `finish()` belong to the caller.
 */

/** Records smaller than this are copied (a chunk per tiny batch costs more than the copy). */
export const RECORDS_ZERO_COPY_BYTES_MIN = 4096;
/** First scratch chunk; later ones double, up to SCRATCH_CHUNK_BYTES_MAX. */
const SCRATCH_CHUNK_BYTES_MIN = 512;
const SCRATCH_CHUNK_BYTES_MAX = 64 * 1024;
const TWO_32 = 0x1_0000_0000;

const ZERO_UUID = Buffer.alloc(16);
const UUID_PATTERN = /^[0-9a-f]{32}$/;

export class KafkaWriter {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private nextChunkBytes: number;
  private doneBytes = 0;

  constructor(firstChunkBytes = SCRATCH_CHUNK_BYTES_MIN) {
    this.buf = Buffer.allocUnsafe(firstChunkBytes);
    this.nextChunkBytes = Math.min(firstChunkBytes * 2, SCRATCH_CHUNK_BYTES_MAX);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.doneBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushChunk();
    const size = Math.max(n, this.nextChunkBytes);
    this.nextChunkBytes = Math.min(this.nextChunkBytes * 2, SCRATCH_CHUNK_BYTES_MAX);
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
  }

  private flushChunk(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.doneBytes += this.pos;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
  }

  int8(v: number): void { this.ensure(1); this.buf.writeInt8(v, this.pos); this.pos += 1; }
  int16(v: number): void { this.ensure(2); this.buf.writeInt16BE(v, this.pos); this.pos += 2; }
  uint16(v: number): void { this.ensure(2); this.buf.writeUInt16BE(v, this.pos); this.pos += 2; }
  int32(v: number): void { this.ensure(4); this.buf.writeInt32BE(v, this.pos); this.pos += 4; }
  float64(v: number): void { this.ensure(8); this.buf.writeDoubleBE(v, this.pos); this.pos += 8; }
  bool(v: boolean): void { this.ensure(1); this.buf[this.pos++] = v ? 1 : 0; }

  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value ${v} is not a safe integer`);
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    this.pos += 8;
  }

  uvarint(v: number): void {
    if (!(v >= 0 && v < TWO_32 && Number.isInteger(v))) throw new RangeError(`uvarint value ${v} out of range`);
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  uuid(v: string): void {
    this.ensure(16);
    if (v === '' || v === '00000000000000000000000000000000') ZERO_UUID.copy(this.buf, this.pos);
    else if (UUID_PATTERN.test(v)) this.buf.write(v, this.pos, 16, 'hex');
    else throw new RangeError(`uuid "${v}" is not 32 lower-case hex digits`);
    this.pos += 16;
  }

  /** A length prefix: compact uvarint N+1, else int16 or int32. -1 is null. */
  length(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  /** Raw bytes, copied. */
  raw(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Record bytes: copied when small, otherwise kept by reference as a chunk of their own. */
  records(b: Buffer): void {
    if (b.length < RECORDS_ZERO_COPY_BYTES_MIN) {
      this.raw(b);
      return;
    }
    this.flushChunk();
    this.chunks.push(b);
    this.doneBytes += b.length;
  }

  /** A string's UTF-8 bytes, with its length prefix. */
  string(s: string, compact: boolean): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (!compact && n > 0x7fff) throw new RangeError(`string of ${n} bytes exceeds the int16 length`);
    this.length(n, compact, false);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  /** Reserves an int32 at the current position; returns a function that fills it. */
  reserveInt32(): (value: number) => void {
    this.ensure(4);
    const target = this.buf;
    const at = this.pos;
    this.pos += 4;
    return (value) => { target.writeInt32BE(value, at); };
  }

  /** The written bytes as chunks, in order. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flushChunk();
    return this.chunks;
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}
