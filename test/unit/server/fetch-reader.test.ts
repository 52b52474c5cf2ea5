import { describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { trimToWholeBatches } from '../../../broker/server/fetch-reader.js';

const batch = (n: number): Buffer => encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${i}`) })));

describe('trimToWholeBatches', () => {
  const a = batch(1);
  const b = batch(5);
  const c = batch(2);
  const all = Buffer.concat([a, b, c]);

  it('keeps whole batches that fit the limit, never part of one', () => {
    expect(trimToWholeBatches(all, all.length).length).toBe(all.length);
    expect(trimToWholeBatches(all, all.length - 1).length).toBe(a.length + b.length);
    expect(trimToWholeBatches(all, a.length + b.length).length).toBe(a.length + b.length);
    expect(trimToWholeBatches(all, a.length).length).toBe(a.length);
    expect(trimToWholeBatches(all, a.length - 1).length).toBe(0);
    expect(trimToWholeBatches(all, 0).length).toBe(0);
  });

  it('keeps the first batch regardless of the limit when asked to', () => {
    expect(trimToWholeBatches(all, 1, true).length).toBe(a.length);
    expect(trimToWholeBatches(all, a.length + 1, true).length).toBe(a.length);
  });

  it('drops a trailing partial batch and garbage lengths', () => {
    expect(trimToWholeBatches(Buffer.concat([a, b.subarray(0, 20)]), 1e9).length).toBe(a.length);
    const bogus = Buffer.from(a);
    bogus.writeInt32BE(-100, 8); // negative batchLength
    expect(trimToWholeBatches(bogus, 1e9).length).toBe(0);
  });
});
