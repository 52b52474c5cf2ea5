/**
 * Version negotiation against a real broker process: ApiVersions lists exactly the served
 * ranges; every served API answers at its lowest and highest version in that version's layout;
 * a too-new ApiVersions gets the KIP-511 v0 fallback and the connection stays usable; an
 * unknown API key or an unserved version gets UNSUPPORTED_VERSION and a closed connection,
 * never a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedApiKeys } from '../../../broker/kafka/kafka-apis.js';
import {
  decodeResponse, encodeRequest, KAFKA_UNSUPPORTED_VERSION, KafkaApis, apiNameByKey, type KafkaApiName,
} from '../../../proto/kafka/index.js';
import { RawKafkaClient } from './raw-kafka-client.js';
import { startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker();
});

afterAll(async () => {
  await broker?.close();
});

/** Bodies that every API answers (most with an error, which is still an answer in its layout). */
const BODIES: Partial<Record<KafkaApiName, object>> = {
  produce: { acks: 1, timeoutMs: 1000, topicData: [] },
  initProducerId: { transactionalId: null, transactionTimeoutMs: 1000 },
  metadata: { topics: [] },
  findCoordinator: { key: 'g', coordinatorKeys: ['g'] },
};

describe('Kafka version negotiation', () => {
  it('advertises exactly the served ranges, and every served API answers at both ends of its range', async () => {
    const client = await RawKafkaClient.connect(broker.bootstrap);
    try {
      client.send(encodeRequest('apiVersions', 3, 1, 'neg', { clientSoftwareName: 'test', clientSoftwareVersion: '1' }));
      const { body } = decodeResponse('apiVersions', 3, (await client.next())!);
      expect(body.errorCode).toBe(0);
      expect(body.apiKeys).toEqual(servedApiKeys());
      let correlationId = 10;
      for (const { apiKey, minVersion, maxVersion } of body.apiKeys) {
        const name = apiNameByKey(apiKey)!;
        expect(KafkaApis[name].versions).toEqual({ min: minVersion, max: maxVersion });
        for (const version of [minVersion, maxVersion]) {
          const id = ++correlationId;
          client.send(encodeRequest(name, version, id, 'neg', (BODIES[name] ?? {}) as never));
          const frame = await client.next();
          expect(frame, `${name} v${version} got no answer`).not.toBeNull();
          const res = decodeResponse(name, version, frame!);
          expect(res.correlationId, `${name} v${version}`).toBe(id);
        }
      }
    } finally {
      client.close();
    }
  });

  it('answers a too-new ApiVersions in the v0 layout with UNSUPPORTED_VERSION and the served ranges, and keeps the connection', async () => {
    const client = await RawKafkaClient.connect(broker.bootstrap);
    try {
      const tooNew = encodeRequest('apiVersions', 4, 5, 'neg', {});
      tooNew.writeInt16BE(99, 6); // the version field of the header
      client.send(tooNew);
      const fallback = decodeResponse('apiVersions', 0, (await client.next())!);
      expect(fallback.correlationId).toBe(5);
      expect(fallback.body.errorCode).toBe(KAFKA_UNSUPPORTED_VERSION);
      expect(fallback.body.apiKeys).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: KafkaApis.apiVersions.versions.max });
      client.send(encodeRequest('apiVersions', 0, 6, 'neg', {}));
      expect(decodeResponse('apiVersions', 0, (await client.next())!).body.errorCode).toBe(0);
    } finally {
      client.close();
    }
  });

  it.each([
    ['an unknown API key', 0x1234, 0],
    ['Fetch v3 (older than served)', 1, 3],
    ['Metadata v99', 3, 99],
  ])('answers %s with UNSUPPORTED_VERSION, then closes', async (_what, apiKey, apiVersion) => {
    const client = await RawKafkaClient.connect(broker.bootstrap);
    const frame = Buffer.alloc(4 + 8 + 2);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(apiKey, 4);
    frame.writeInt16BE(apiVersion, 6);
    frame.writeInt32BE(77, 8);
    frame.writeInt16BE(-1, 12); // null client id
    client.send(frame);
    const res = (await client.next())!;
    expect(res.readInt32BE(0)).toBe(77);
    expect(res.readInt16BE(4)).toBe(KAFKA_UNSUPPORTED_VERSION);
    expect(await client.closedWithin(2_000)).toBe(true);
  });
});
