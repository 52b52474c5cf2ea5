import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../../../broker/config.js';
import { checkListenersSafe, isLoopbackHost, resolveSecurityConfig } from '../../../broker/security/security-config.js';
import { InvalidConfigError } from '../../../proto/errors.js';

describe('security config', () => {
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('treats %s as loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'broker.example.com', 'localhost.example.com', '128.0.0.1'])(
    'treats %s as reachable from the network', (h) => {
      expect(isLoopbackHost(h)).toBe(false);
    });

  it('defaults to no authentication and no super users', () => {
    expect(resolveBrokerConfig({ dataDir: '/x' }).security).toEqual({ auth: 'none', superUsers: [], allowAnonymous: false, mutualTls: false });
  });

  it('refuses a non-loopback listener without auth unless anonymous access is allowed', () => {
    expect(() => resolveBrokerConfig({ dataDir: '/x', host: '0.0.0.0' })).toThrow(InvalidConfigError);
    expect(() => resolveBrokerConfig({ dataDir: '/x', kafka: { host: '10.1.2.3', port: 0 } })).toThrow(/Kafka listener/);
    expect(resolveBrokerConfig({ dataDir: '/x', host: '0.0.0.0', security: { allowAnonymous: true } }).host).toBe('0.0.0.0');
    expect(resolveBrokerConfig({ dataDir: '/x', host: '0.0.0.0', security: { auth: 'scram' } }).security.auth).toBe('scram');
    expect(() => checkListenersSafe(resolveSecurityConfig({}), [{ what: 'x', host: '127.0.0.1' }])).not.toThrow();
  });

  it('names super users as principals, once each, and refuses bad names', () => {
    expect(resolveSecurityConfig({ superUsers: ['alice', 'User:bob', 'alice'] }).superUsers).toEqual(['User:alice', 'User:bob']);
    expect(() => resolveSecurityConfig({ superUsers: ['*'] })).toThrow(InvalidConfigError);
    expect(() => resolveSecurityConfig({ superUsers: ['a\nb'] })).toThrow(InvalidConfigError);
    expect(() => resolveSecurityConfig({ auth: 'kerberos' as never })).toThrow(/security.auth/);
  });
});
