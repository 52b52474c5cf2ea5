import { describe, expect, it } from 'vitest';
import { FRAME_BYTES_MAX } from '../../../proto/constants.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { CLEANER_DEFAULT, GROUPS_DEFAULT, LIMITS_DEFAULT, MEMORY_DEFAULT, resolveBrokerConfig } from '../../../broker/config.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';

describe('resolveBrokerConfig', () => {
  it('fills every default from one required field', () => {
    const cfg = resolveBrokerConfig({ dataDir: '/tmp/x' });
    expect(cfg).toEqual({ dataDir: '/tmp/x', host: '127.0.0.1', port: 7171, nodeId: 0, logLevel: 'info', log: DEFAULT_LOG_CONFIG, logExplicit: [], limits: LIMITS_DEFAULT, memory: MEMORY_DEFAULT, cleaner: CLEANER_DEFAULT, groups: GROUPS_DEFAULT, kafka: null,
      security: { auth: 'none', superUsers: [], allowAnonymous: false, mutualTls: false },
      tls: null,
      http: { allowedOrigins: { kind: 'same-origin' }, metrics: true, consoleDir: null }, testing: { recoveryDelayMs: 0, offsetsSegmentBytes: null }, cluster: null });
    expect(cfg.limits.frameBytesMax).toBe(FRAME_BYTES_MAX);
  });

  it('merges partial log and limit settings over the defaults, ignoring undefined', () => {
    const cfg = resolveBrokerConfig({ dataDir: 'd', port: 0, log: { flushPolicy: 'never', segmentBytes: undefined }, limits: { maxTopics: 3 } });
    expect(cfg.port).toBe(0);
    expect(cfg.log).toEqual({ ...DEFAULT_LOG_CONFIG, flushPolicy: 'never' });
    expect(cfg.logExplicit).toEqual(['flushPolicy']);
    expect(cfg.limits).toEqual({ ...LIMITS_DEFAULT, maxTopics: 3 });
  });

  it('takes tail caching off entirely with a broker-wide budget of 0, whatever the per-partition one', () => {
    expect(resolveBrokerConfig({ dataDir: 'd', memory: { tailCacheBytes: 0 } }).memory)
      .toEqual({ ...MEMORY_DEFAULT, tailCacheBytes: 0 });
  });

  it.each([
    ['no dataDir', { dataDir: '' }],
    ['a port above 65535', { dataDir: 'd', port: 70_000 }],
    ['a negative port', { dataDir: 'd', port: -1 }],
    ['a fractional port', { dataDir: 'd', port: 1.5 }],
    ['an unknown log level', { dataDir: 'd', logLevel: 'loud' }],
    ['an unknown flush policy', { dataDir: 'd', log: { flushPolicy: 'sometimes' } }],
    ['a 1-byte segment', { dataDir: 'd', log: { segmentBytes: 1 } }],
    ['zero connections', { dataDir: 'd', limits: { maxConnections: 0 } }],
    ['a handshake timeout of 0', { dataDir: 'd', limits: { handshakeTimeoutMs: 0 } }],
    ['a handshake timeout above two minutes', { dataDir: 'd', limits: { handshakeTimeoutMs: 120_001 } }],
    ['no pending handshakes', { dataDir: 'd', limits: { pendingHandshakesMax: 0 } }],
    ['frames above the wire maximum', { dataDir: 'd', limits: { frameBytesMax: FRAME_BYTES_MAX + 1 } }],
    ['more partitions than the wire allows', { dataDir: 'd', limits: { maxPartitionsPerTopic: 1_000_000 } }],
    ['a string where a number belongs', { dataDir: 'd', limits: { idleTimeoutMs: '100' } }],
    ['a negative index cache', { dataDir: 'd', memory: { indexCacheBytes: -1 } }],
    ['a cleaner buffer below its minimum', { dataDir: 'd', cleaner: { bufferBytes: 1024 } }],
    ['a negative cleaner I/O rate', { dataDir: 'd', cleaner: { ioBytesPerSecond: -1 } }],
    ['an unknown cleaner thread priority', { dataDir: 'd', cleaner: { threadPriority: 'realtime' } }],
    ['an unknown cleanup policy', { dataDir: 'd', log: { cleanupPolicy: 'shred' } }],
    ['a dirty ratio above 1', { dataDir: 'd', log: { minCleanableDirtyRatio: 2 } }],
    ['a per-partition tail cache above the broker-wide one', { dataDir: 'd', memory: { tailCacheBytes: 1024, tailCachePartitionBytes: 2048 } }],
  ])('refuses %s', (_what, input) => {
    expect(() => resolveBrokerConfig(input as never)).toThrow(InvalidConfigError);
  });
});
