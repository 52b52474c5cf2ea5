import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../proto/errors.js';
import { ConnectionLimiter } from '../../../broker/security/connection-limiter.js';
import { FileQuotaStore } from '../../../broker/security/file-quota-store.js';
import { QuotaManager, THROTTLE_MS_MAX } from '../../../broker/security/quota-manager.js';
import { resolveQuota, entityKey } from '../../../broker/security/quota.js';
import { SampledRate } from '../../../broker/security/sampled-rate.js';

const W = { samples: 11, windowMs: 1000 };

describe('SampledRate (Kafka Rate over SampledStat)', () => {
  it('measures a new sensor over at least samples-1 windows, then over its real span', () => {
    const r = new SampledRate(W, 0);
    r.record(1000, 0);
    expect(r.windowSizeMs(0)).toBe(10_000);
    expect(r.rate(0)).toBe(100);
    r.record(1000, 500);
    expect(r.rate(500)).toBeCloseTo(2000 / 10.5, 6);
    // Steady 1000/s for 30 s: the rate converges on 1000 over an ~10-11 s window.
    for (let t = 1000; t <= 30_000; t += 100) r.record(100, t);
    expect(r.rate(30_000)).toBeGreaterThan(950);
    expect(r.rate(30_000)).toBeLessThan(1100);
  });

  it('forgets samples older than samples × window', () => {
    const r = new SampledRate(W, 0);
    r.record(5000, 0);
    expect(r.rate(11_000)).toBe(0);
  });
});

describe('QuotaManager', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-quota-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('resolves in Kafka\'s order of precedence, each rate on its own', async () => {
    const store = await FileQuotaStore.open(dir);
    await store.alter({ clientId: '<default>' }, { producerByteRate: 8 }, []);
    await store.alter({ clientId: 'c' }, { producerByteRate: 7 }, []);
    await store.alter({ user: '<default>' }, { producerByteRate: 6, requestRate: 60 }, []);
    await store.alter({ user: '<default>', clientId: '<default>' }, { producerByteRate: 5 }, []);
    await store.alter({ user: '<default>', clientId: 'c' }, { producerByteRate: 4 }, []);
    await store.alter({ user: 'u' }, { producerByteRate: 3 }, []);
    await store.alter({ user: 'u', clientId: '<default>' }, { producerByteRate: 2 }, []);
    await store.alter({ user: 'u', clientId: 'c' }, { producerByteRate: 1 }, []);
    const m = store.byEntity;
    expect(resolveQuota(m, 'u', 'c', 'producerByteRate')).toEqual({ limit: 1, bucket: entityKey({ user: 'u', clientId: 'c' }) });
    expect(resolveQuota(m, 'u', 'd', 'producerByteRate')?.limit).toBe(2);
    expect(resolveQuota(m, 'v', 'c', 'producerByteRate')?.limit).toBe(4);
    expect(resolveQuota(m, 'v', 'd', 'producerByteRate')?.limit).toBe(5);
    expect(resolveQuota(m, 'u', 'c', 'requestRate')).toEqual({ limit: 60, bucket: entityKey({ user: 'u' }) });
    expect(resolveQuota(m, 'u', 'c', 'consumerByteRate')).toBeNull();
    await store.alter({ user: 'u', clientId: 'c' }, {}, ['producerByteRate']);
    await store.alter({ user: 'u', clientId: '<default>' }, {}, ['producerByteRate']);
    expect(resolveQuota(store.byEntity, 'u', 'c', 'producerByteRate')).toEqual({ limit: 3, bucket: entityKey({ user: 'u' }) });
    expect((await FileQuotaStore.open(dir)).list()).toHaveLength(6);
  });

  it('throttles by (rate - limit) / limit × window, and a throttled client that waits converges on its quota', async () => {
    const store = await FileQuotaStore.open(dir);
    await store.alter({ user: 'slow' }, { producerByteRate: 1000 }, []);
    const q = new QuotaManager(store);
    expect(q.record('producerByteRate', 'slow', 'c', 10_000, 0)).toBe(0); // 10,000 B over a 10 s window: exactly the quota
    const t = q.record('producerByteRate', 'slow', 'c', 1000, 0);
    expect(t).toBe(Math.round(((11_000 / 10 - 1000) / 1000) * 10_000)); // 1,000 ms
    // A client sending 500 B at a time and waiting out each throttle, for 90 simulated seconds;
    // past the first 30 (the initial allowance and its payback) it runs at its quota.
    let now = 0;
    let sent = 0;
    let sentAt30s = 0;
    while (now < 90_000) {
      sent += 500;
      if (now < 30_000) sentAt30s = sent;
      now += Math.max(5, q.record('producerByteRate', 'slow', 'c', 500, now));
    }
    const rate = (sent - sentAt30s) / 60;
    expect(rate).toBeGreaterThan(900);
    expect(rate).toBeLessThan(1100);
    expect(q.record('producerByteRate', 'fast', 'c', 1e9, now)).toBe(0); // no quota: untracked
    expect(q.record('producerByteRate', 'slow', 'c', 1e12, now)).toBe(THROTTLE_MS_MAX);
  });

  it('default entities give each user a bucket of their own', async () => {
    const store = await FileQuotaStore.open(dir);
    await store.alter({ user: '<default>' }, { consumerByteRate: 100 }, []);
    const q = new QuotaManager(store);
    expect(q.record('consumerByteRate', 'a', '', 2000, 0)).toBeGreaterThan(0);
    expect(q.record('consumerByteRate', 'b', '', 900, 0)).toBe(0);
  });

  it('refuses malformed quotas', async () => {
    const store = await FileQuotaStore.open(dir);
    await expect(async () => store.alter({}, { producerByteRate: 1 }, [])).rejects.toThrow(InvalidRequestError);
    await expect(async () => store.alter({ user: 'u' }, { producerByteRate: -1 }, [])).rejects.toThrow(InvalidRequestError);
    await expect(async () => store.alter({ user: 'u' }, { bogus: 1 } as never, [])).rejects.toThrow(InvalidRequestError);
    await expect(async () => store.alter({ user: 'u' }, {}, ['bogus'])).rejects.toThrow(InvalidRequestError);
  });
});

describe('ConnectionLimiter', () => {
  it('caps open connections per IP and releases them', () => {
    const l = new ConnectionLimiter({ connectionsPerIpMax: 2, connectionAttemptsPerIpPerSecMax: 0 });
    expect(l.admit('1.1.1.1', 0).ok).toBe(true);
    expect(l.admit('1.1.1.1', 0).ok).toBe(true);
    expect(l.admit('1.1.1.1', 0)).toEqual({ ok: false, limit: 'connections', reason: 'more than 2 connections from 1.1.1.1' });
    expect(l.admit('2.2.2.2', 0).ok).toBe(true);
    l.release('1.1.1.1');
    expect(l.admit('1.1.1.1', 0).ok).toBe(true);
  });

  it('caps the attempt rate per IP, counting refused attempts too', () => {
    const l = new ConnectionLimiter({ connectionsPerIpMax: 0, connectionAttemptsPerIpPerSecMax: 5 });
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (l.admit('1.1.1.1', i * 10).ok) admitted++;
    // 5/s judged over the 10 s minimum window (plus the part of the current second): ~50 in the first second.
    expect(admitted).toBeGreaterThanOrEqual(50);
    expect(admitted).toBeLessThanOrEqual(55);
    expect(l.admit('1.1.1.1', 5_000).ok).toBe(false);
    expect(l.admit('1.1.1.1', 20_000).ok).toBe(true);
    expect(new ConnectionLimiter({ connectionsPerIpMax: 0, connectionAttemptsPerIpPerSecMax: 0 }).enabled).toBe(false);
  });
});
