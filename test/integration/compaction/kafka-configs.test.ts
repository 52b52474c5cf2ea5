/**
 * Topic settings over the Kafka listener of a real broker process: kafkajs' admin.alterConfigs
 * (AlterConfigs: the given entries replace the topic's overrides) and describeConfigs with
 * sources and synonyms, IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT) from a bare
 * Kafka client, refusals for broker resources and bad values, and kcat meeting the altered
 * topic: keyless records refused once it is compacted, keyed ones served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { kafkajs, kcat, startKafkaBroker, type KafkaBroker } from '../kafka/harness.js';
import { RawKafkaClient } from '../kafka/raw-kafka-client.js';

/** Kafka's ConfigSource codes. */
const TOPIC = 1;
const STATIC_BROKER = 4;
const DEFAULT = 5;

let broker: KafkaBroker;
let admin: Admin;

beforeAll(async () => {
  broker = await startKafkaBroker(['--segment-bytes', '1048576']);
  admin = kafkajs(broker.bootstrap).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await broker?.close();
});

async function entries(topic: string) {
  const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: true });
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
}

async function incremental(resources: object[]): Promise<Array<{ errorCode: number; errorMessage: string | null; resourceName: string }>> {
  const client = await RawKafkaClient.connect(broker.bootstrap);
  try {
    client.send(encodeRequest('incrementalAlterConfigs', 1, 7, 'test', { resources, validateOnly: false }));
    return decodeResponse('incrementalAlterConfigs', 1, (await client.next())!).body.responses;
  } finally {
    client.close();
  }
}

describe('Kafka AlterConfigs and DescribeConfigs', () => {
  it('kafkajs alterConfigs replaces the overrides; describeConfigs reports sources and synonyms', async () => {
    await admin.createTopics({ topics: [{ topic: 'kc', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc', configEntries: [
        { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '65536' },
      ] }],
    });
    const e = await entries('kc');
    expect(e.get('cleanup.policy')).toMatchObject({ configValue: 'compact', configSource: TOPIC, isDefault: false });
    expect(e.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: DEFAULT, isDefault: true });
    expect(e.get('segment.bytes')!.configSynonyms).toEqual([
      { configName: 'segment.bytes', configValue: '65536', configSource: TOPIC },
      { configName: 'log.segment.bytes', configValue: '1048576', configSource: STATIC_BROKER },
      { configName: 'log.segment.bytes', configValue: '1073741824', configSource: DEFAULT },
    ]);
  });

  it('refuses bad values, unknown topics and broker resources, and changes nothing', async () => {
    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc', configEntries: [
      { name: 'cleanup.policy', value: 'delete' }, { name: 'segment.bytes', value: 'big' },
    ] }] })).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'nope', configEntries: [
      { name: 'retention.ms', value: '1' },
    ] }] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kc', configEntries: [] }] });
    expect((await entries('kc')).get('cleanup.policy')!.configValue).toBe('compact');
    const [brokerResult] = await incremental([{ resourceType: 4, resourceName: '0', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '1' }] }]);
    expect(brokerResult!.errorCode).toBe(42);
    expect(brokerResult!.errorMessage).toContain('start-up flags');
  });

  it('IncrementalAlterConfigs sets, deletes, appends to and subtracts from settings', async () => {
    const [appended] = await incremental([{ resourceType: 2, resourceName: 'kc', configs: [
      { name: 'cleanup.policy', configOperation: 2, value: 'delete' },
      { name: 'segment.bytes', configOperation: 1, value: null },
      { name: 'delete.retention.ms', configOperation: 0, value: '1000' },
    ] }]);
    expect(appended).toMatchObject({ errorCode: 0, resourceName: 'kc' });
    let e = await entries('kc');
    expect(e.get('cleanup.policy')!.configValue).toBe('compact,delete');
    expect(e.get('segment.bytes')).toMatchObject({ configValue: '1048576', configSource: STATIC_BROKER });
    expect(e.get('delete.retention.ms')).toMatchObject({ configValue: '1000', configSource: TOPIC });
    const [subtracted] = await incremental([{ resourceType: 2, resourceName: 'kc', configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }] }]);
    expect(subtracted!.errorCode).toBe(0);
    const [emptied] = await incremental([{ resourceType: 2, resourceName: 'kc', configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'compact' }] }]);
    expect(emptied!.errorCode).toBe(40);
    e = await entries('kc');
    expect(e.get('cleanup.policy')!.configValue).toBe('compact');
  });

  it('kcat meets the altered topic: keyless records refused once compacted, keyed ones served', async () => {
    const keyless = await kcat(broker.bootstrap, ['-P', '-t', 'kc'], 'no key\n');
    // librdkafka words Kafka code 87 (INVALID_RECORD) as "Broker failed to validate record".
    expect(keyless.stderr).toContain("Delivery failed for message: Broker: Broker failed to validate record");
    const keyed = await kcat(broker.bootstrap, ['-P', '-t', 'kc', '-K', ':'], 'a:1\nb:2\na:3\n');
    expect(keyed.code, keyed.stderr).toBe(0);
    const read = await kcat(broker.bootstrap, ['-C', '-t', 'kc', '-e', '-K', ':', '-o', 'beginning']);
    expect(read.stdout.trim().split('\n')).toEqual(['a:1', 'b:2', 'a:3']);
  });
});
