/**
 * Reads Kafka protocol primitives from one frame, big-endian, bounded by `end`. Every read checks
 * the bytes are there and throws InvalidRequestError when they are not, so a lying length or a
 * truncated request is an error, never a read past the frame. Length prefixes (strings, bytes,
 * arrays) are checked against the bytes left before anything is allocated for them.
 *
 * Byte fields are views into the frame (no copy): the frame must not be reused while a decoded
 * message is alive. Not thread-safe; one reader per frame.
 */
import { InvalidRequestError } from '../errors.js';

const TWO_32 = 0x1_0000_0000;
/** An unsigned varint of a 32-bit value takes at most five 7-bit groups. */
const UVARINT32_BYTES_MAX = 5;

export class KafkaReader {
  pos: number;

  constructor(readonly buf: Buffer, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) throw new InvalidRequestError(`request truncated in ${what} at byte ${at}`);
    this.pos = at + n;
    return at;
  }

  int8(): number { return this.buf.readInt8(this.need(1, 'int8')); }
  int16(): number { return this.buf.readInt16BE(this.need(2, 'int16')); }
  uint16(): number { return this.buf.readUInt16BE(this.need(2, 'uint16')); }
  int32(): number { return this.buf.readInt32BE(this.need(4, 'int32')); }
  float64(): number { return this.buf.readDoubleBE(this.need(8, 'float64')); }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  int64(): number {
    const at = this.need(8, 'int64');
    const value = this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
    if (!Number.isSafeInteger(value)) throw new InvalidRequestError(`int64 at byte ${at} is outside the safe integer range`);
    return value;
  }

  uuid(): string {
    const at = this.need(16, 'uuid');
    return this.buf.toString('hex', at, at + 16);
  }

  /** An unsigned varint below 2^32 (compact lengths, tag numbers and tag sizes). */
  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < UVARINT32_BYTES_MAX; i++) {
      if (this.pos >= this.end) throw new InvalidRequestError(`request truncated in a varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result >= TWO_32) throw new InvalidRequestError('unsigned varint exceeds 32 bits');
        return result;
      }
      mul *= 128;
    }
    throw new InvalidRequestError('unsigned varint longer than 5 bytes');
  }

  /**
   * The length before a string, bytes or array: int16/int32 classic, uvarint N+1 compact.
   * -1 means null. A length of more bytes than remain is refused here.
   */
  length(compact: boolean, wide: boolean, perItemBytesMin: number, what: string): number {
    let n: number;
    if (compact) n = this.uvarint() - 1;
    else n = wide ? this.int32() : this.int16();
    if (n < -1) throw new InvalidRequestError(`negative length ${n} for ${what}`);
    if (n > 0 && n * perItemBytesMin > this.end - this.pos) {
      throw new InvalidRequestError(`${what} claims ${n} items or bytes but only ${this.end - this.pos} bytes remain`);
    }
    return n;
  }

  /** A string of `n` bytes (n >= 0, already checked against the bytes left). */
  utf8(n: number): string {
    const at = this.need(n, 'string');
    return this.buf.toString('utf8', at, at + n);
  }

  /** `n` bytes as a view into the frame. */
  slice(n: number): Buffer {
    const at = this.need(n, 'bytes');
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    this.need(n, 'tagged field');
  }
}
