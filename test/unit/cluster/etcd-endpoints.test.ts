import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../proto/errors.js';
import { parseEtcdUrl } from '../../../broker/cluster/etcd-endpoints.js';
import { ClusterKeys } from '../../../broker/cluster/cluster-keys.js';

describe('--cluster etcd URLs', () => {
  it('lists every member and takes an optional key prefix', () => {
    expect(parseEtcdUrl('etcd://127.0.0.1:2379')).toEqual({ hosts: ['http://127.0.0.1:2379'], prefix: 'strata/' });
    expect(parseEtcdUrl('etcd://a:1,b.example:2,[::1]:3/prod')).toEqual({ hosts: ['http://a:1', 'http://b.example:2', 'http://[::1]:3'], prefix: 'prod/' });
  });

  it.each(['', 'http://a:1', 'etcd://', 'etcd://a', 'etcd://a:0', 'etcd://a:70000', 'etcd://a:1,,b:2', 'etcd://a:1,a:1', 'etcd://a:1/', 'etcd://a:1/x/y'])(
    'refuses %j', (url) => {
      expect(() => parseEtcdUrl(url)).toThrow(InvalidConfigError);
    });
});

describe('cluster keys', () => {
  const keys = new ClusterKeys('strata/');
  it('builds and parses every key kind', () => {
    expect(keys.parseBroker(keys.broker(7))).toBe(7);
    expect(keys.parseTopic(keys.topic('orders.v2'))).toBe('orders.v2');
    expect(keys.parsePartition(keys.partition('orders', 12))).toEqual({ topic: 'orders', partition: 12 });
    expect(keys.controllerCandidate('7587869152406520347')).toBe('strata/controller/694d86cab755c21b');
  });

  it('does not mistake one kind of key for another', () => {
    expect(keys.parseBroker(keys.topic('3'))).toBeNull();
    expect(keys.parseBroker('strata/brokers/x')).toBeNull();
    expect(keys.parsePartition('strata/partitions/orders')).toBeNull();
    expect(keys.parsePartition('strata/partitions/orders/-1')).toBeNull();
  });
});
