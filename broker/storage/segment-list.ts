/**
 * The segments of one local log in offset order (Kafka's LogSegments): the first one's base is
 * the log start offset, the last one is active. Never empty.
 *
 * Concurrency: event-loop only; the owning LocalLog changes the list on its serial chain while
 * readers look segments up. A reader that found a segment holds it (acquire) across its awaits,
 * so a segment removed meanwhile stays readable until it is released.
 */
import assert from 'node:assert/strict';
import type { Segment } from './segment.js';

export class SegmentList {
  private segments: Segment[];

  constructor(segments: Segment[]) {
    assert.ok(segments.length > 0, 'a log has at least one segment');
    this.segments = segments;
  }

  get first(): Segment {
    return this.segments[0]!;
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  get count(): number {
    return this.segments.length;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /** A copy, oldest first: safe to iterate across awaits. */
  all(): Segment[] {
    return [...this.segments];
  }

  at(index: number): Segment {
    return this.segments[index]!;
  }

  baseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The segment holding `offset` (the last one whose base is at or below it). */
  segmentFor(offset: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  /** The segment after the one based at `baseOffset`, if any. */
  after(baseOffset: number): Segment | undefined {
    return this.segments.find((s) => s.baseOffset > baseOffset);
  }

  /** A roll: `seg` becomes the active segment. */
  push(seg: Segment): void {
    assert.ok(seg.baseOffset >= this.active.baseOffset, 'segments stay in offset order');
    this.segments.push(seg);
  }

  /** Retention: removes and returns the `count` oldest segments (never the active one). */
  removeOldest(count: number): Segment[] {
    assert.ok(count < this.segments.length, 'the active segment stays');
    return this.segments.splice(0, count);
  }

  /** Truncation: removes and returns every segment after the one holding `offset`. */
  removeAfter(offset: number): { kept: Segment; removed: Segment[] } {
    const idx = this.segments.indexOf(this.segmentFor(offset));
    return { kept: this.segments[idx]!, removed: this.segments.splice(idx + 1) };
  }

  /** Compaction: the consecutive segments `olds` give way to `seg` (the cleaner checked they are in place). */
  replaceRange(olds: readonly Segment[], seg: Segment): void {
    const at = this.segments.indexOf(olds[0]!);
    assert.ok(at >= 0 && at + olds.length < this.segments.length, 'only sealed segments are replaced');
    for (let i = 0; i < olds.length; i++) assert.equal(this.segments[at + i], olds[i], 'replaced segments are consecutive');
    this.segments.splice(at, olds.length, seg);
  }

  /** Full truncation: the list becomes `seg` alone. */
  replaceAll(seg: Segment): void {
    this.segments = [seg];
  }
}
