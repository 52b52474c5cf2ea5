/**
 * The cleaner's key → latest offset map over the dirty part of one log (Kafka's
 * SkimpyOffsetMap): a fixed-size open-addressing hash table in one typed array whose size is the
 * cleaner's memory budget (`--cleaner-buffer-bytes`), so a pass never allocates per key.
 *
 * Layout: SLOT_WORDS u32 words per slot: three words of the key's 128-bit hash (key-hash.ts)
 * identify it, the fourth places it (slot = h4 mod capacity, linear probing); a fourth stored
 * word holds offset - baseOffset + 1 (0 marks an empty slot). 16 bytes per key: a 32 MiB buffer
 * holds 2 Mi slots, of which LOAD_FACTOR_MAX are used before the map reports itself full (linear
 * probing past 3/4 full gets slow: ~8.5 probes per miss at 0.75, ~50 at 0.9).
 *
 * Offsets are stored relative to `baseOffset` (the pass's first dirty offset) in a u32, so one
 * pass covers at most OFFSET_SPAN_MAX offsets; the cleaner ends the pass there.
 *
 * Concurrency: one owner (the cleaner), reused pass after pass (reset()).
 */
import assert from 'node:assert/strict';
import { murmur3x86128 } from './key-hash.js';

const SLOT_WORDS = 4;
export const OFFSET_MAP_SLOT_BYTES = SLOT_WORDS * 4;
/** Used slots / slots at which the map is full. */
export const LOAD_FACTOR_MAX = 0.75;
/** Offsets one pass may span (u32 relative offsets, 0 reserved for "empty"). */
export const OFFSET_SPAN_MAX = 0xffff_fffe;

export class OffsetMap {
  readonly capacity: number;
  /** Keys the map takes before it is full. */
  readonly entriesMax: number;
  private readonly slots: Uint32Array;
  private readonly hash = new Uint32Array(4);
  private used = 0;
  private seed = 0;
  private base = 0;
  /** Offsets this map has seen put(), for the cleaner's stats. */
  private puts = 0;

  constructor(bufferBytes: number) {
    this.capacity = Math.floor(bufferBytes / OFFSET_MAP_SLOT_BYTES);
    assert.ok(this.capacity >= 2, 'the offset map needs room for at least two keys');
    this.entriesMax = Math.max(1, Math.floor(this.capacity * LOAD_FACTOR_MAX));
    this.slots = new Uint32Array(this.capacity * SLOT_WORDS);
  }

  /** Memory the map occupies. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.entriesMax;
  }

  get baseOffset(): number {
    return this.base;
  }

  get putCount(): number {
    return this.puts;
  }

  /** Empties the map for a pass starting at `baseOffset`, hashing with `seed`. */
  reset(baseOffset: number, seed: number): void {
    if (this.used > 0 || this.puts > 0) this.slots.fill(0);
    this.used = 0;
    this.puts = 0;
    this.base = baseOffset;
    this.seed = seed | 0;
  }

  /**
   * Records `offset` as the latest for the key `data[start, start + length)`. Returns false (and
   * records nothing) when the key is new and the map is full. Offsets must not decrease per key.
   */
  put(data: Uint8Array, start: number, length: number, offset: number): boolean {
    const rel = offset - this.base + 1;
    assert.ok(rel >= 1 && rel <= OFFSET_SPAN_MAX + 1, 'offset outside the map\'s span');
    const at = this.find(data, start, length);
    const slots = this.slots;
    if (slots[at + 3] === 0) {
      if (this.used >= this.entriesMax) return false;
      slots[at] = this.hash[0]!;
      slots[at + 1] = this.hash[1]!;
      slots[at + 2] = this.hash[2]!;
      this.used++;
    }
    slots[at + 3] = rel;
    this.puts++;
    return true;
  }

  /** The latest offset recorded for the key, or -1. */
  get(data: Uint8Array, start: number, length: number): number {
    const at = this.find(data, start, length);
    const rel = this.slots[at + 3]!;
    return rel === 0 ? -1 : this.base + rel - 1;
  }

  /** Index (in words) of the key's slot, or of the empty slot where it would go. */
  private find(data: Uint8Array, start: number, length: number): number {
    const h = this.hash;
    murmur3x86128(data, start, length, this.seed, h);
    const h0 = h[0]!;
    const h1 = h[1]!;
    const h2 = h[2]!;
    const slots = this.slots;
    let slot = h[3]! % this.capacity;
    for (;;) {
      const at = slot * SLOT_WORDS;
      if (slots[at + 3] === 0) return at;
      if (slots[at] === h0 && slots[at + 1] === h1 && slots[at + 2] === h2) return at;
      slot++;
      if (slot === this.capacity) slot = 0;
    }
  }
}
