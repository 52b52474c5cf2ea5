import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cJs, CRC32C_IMPLEMENTATION } from '../../../proto/crc32c.js';

describe('crc32c', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('uses the native implementation on this machine', () => {
    expect(CRC32C_IMPLEMENTATION).toBe('native (@node-rs/crc32)');
  });

  it('pure-JS fallback agrees with the native one at every length and alignment', () => {
    const data = randomBytes(4096);
    for (let len = 0; len < 80; len++) {
      for (let start = 0; start < 9; start++) {
        const view = data.subarray(start, start + len);
        expect(crc32cJs(view)).toBe(crc32c(view));
      }
    }
    expect(crc32cJs(data)).toBe(crc32c(data));
  });
});
