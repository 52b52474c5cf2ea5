import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../../../broker/config.js';
import { KAFKA_IDLE_TIMEOUT_MS_DEFAULT } from '../../../broker/constants.js';
import { InvalidConfigError } from '../../../proto/errors.js';

describe('Kafka listener config', () => {
  it('is off unless asked for, and fills defaults when it is', () => {
    expect(resolveBrokerConfig({ dataDir: 'd' }).kafka).toBeNull();
    expect(resolveBrokerConfig({ dataDir: 'd', kafka: { port: 0 } }).kafka)
      .toEqual({ host: '127.0.0.1', port: 0, advertise: null, idleTimeoutMs: KAFKA_IDLE_TIMEOUT_MS_DEFAULT });
  });

  it.each([
    ['a port above 65535', { port: 70_000 }],
    ['an empty host', { host: '', port: 1 }],
    ['an advertised port of 0', { port: 1, advertise: { host: 'h', port: 0 } }],
    ['an idle timeout of 0', { port: 1, idleTimeoutMs: 0 }],
  ])('refuses %s', (_what, kafka) => {
    expect(() => resolveBrokerConfig({ dataDir: 'd', kafka })).toThrow(InvalidConfigError);
  });
});
