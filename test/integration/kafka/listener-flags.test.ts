/**
 * `strata broker start` flags of the Kafka listener: the ready line names both listeners,
 * --kafka-advertise is what Metadata and FindCoordinator tell clients, 'off' means no listener,
 * and a malformed address is a one-line usage error.
 */
import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { runCli, startBrokerProcess } from '../../helpers/cli.js';
import { startKafkaBroker } from './harness.js';
import { RawKafkaClient } from './raw-kafka-client.js';

describe('Kafka listener flags', () => {
  it('advertises --kafka-advertise in Metadata and FindCoordinator, and names it on the ready line', async () => {
    const broker = await startKafkaBroker(['--kafka-advertise', '127.0.0.9:19092']);
    const client = await RawKafkaClient.connect(broker.bootstrap);
    try {
      client.send(encodeRequest('metadata', 9, 1, 't', { topics: null }));
      const meta = decodeResponse('metadata', 9, (await client.next())!).body;
      expect(meta.brokers).toEqual([{ nodeId: 0, host: '127.0.0.9', port: 19092, rack: null }]);
      client.send(encodeRequest('findCoordinator', 2, 2, 't', { key: 'g', keyType: 0 }));
      const coord = decodeResponse('findCoordinator', 2, (await client.next())!).body;
      expect(coord).toMatchObject({ errorCode: 0, nodeId: 0, host: '127.0.0.9', port: 19092 });
    } finally {
      client.close();
      await broker.close();
    }
  });

  it('runs no Kafka listener with --kafka-listen off', async () => {
    const b = await startBrokerProcess(['--kafka-listen', 'off']);
    expect(b.kafka).toBeNull();
    await b.stop();
  });

  it.each([['--kafka-listen', 'nope'], ['--kafka-listen', '127.0.0.1:70000'], ['--kafka-advertise', 'host-without-port']])(
    'refuses %s %s with a usage error', async (flag, value) => {
      const res = await runCli(['broker', 'start', '--data-dir', '/nonexistent-never-created', '--port', '0', flag, value]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`${flag} must be HOST:PORT`));
    });
});
