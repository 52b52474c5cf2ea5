import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../client/connection.js';
import { RECONNECT_BACKOFF_MS_INITIAL, RECONNECT_BACKOFF_MS_MAX, RETRY_JITTER_FRACTION } from '../../../client/constants.js';

describe('reconnectDelayMs', () => {
  it('does not wait before the first attempt', () => {
    expect(reconnectDelayMs(0)).toBe(0);
  });

  it('doubles from the initial delay after each consecutive failure, within the jitter band', () => {
    for (let failures = 1; failures <= 6; failures++) {
      const base = Math.min(RECONNECT_BACKOFF_MS_MAX, RECONNECT_BACKOFF_MS_INITIAL * 2 ** (failures - 1));
      expect(reconnectDelayMs(failures, () => 0.5)).toBe(base);
      expect(reconnectDelayMs(failures, () => 0)).toBe(Math.round(base * (1 - RETRY_JITTER_FRACTION)));
      expect(reconnectDelayMs(failures, () => 0.99999)).toBeLessThanOrEqual(Math.min(RECONNECT_BACKOFF_MS_MAX, Math.round(base * (1 + RETRY_JITTER_FRACTION))));
    }
  });

  it('never exceeds the ceiling however many failures', () => {
    for (let i = 0; i < 200; i++) expect(reconnectDelayMs(1000)).toBeLessThanOrEqual(RECONNECT_BACKOFF_MS_MAX);
  });
});
