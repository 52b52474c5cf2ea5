/**
 * Requests captured from real clients (test/fixtures/kafka/capture.mjs: kcat/librdkafka and
 * kafkajs talking to a recorder that advertises what Strata serves). Each must decode, and
 * re-encoding the decoded request must give back the client's bytes exactly: the schema table
 * agrees with the client field for field, including flexible versions and tagged fields.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KafkaApis, type KafkaApiName } from '../../../../proto/kafka/apis.js';
import { decodeConsumerSubscription } from '../../../../proto/kafka/consumer-protocol.js';
import { decodeRequest, encodeRequest, type KafkaRequest } from '../../../../proto/kafka/messages.js';
import { COMPRESSION_GZIP, COMPRESSION_LZ4, COMPRESSION_SNAPPY, COMPRESSION_ZSTD } from '../../../../proto/constants.js';
import { compressionOf, readBatchHeader } from '../../../../proto/record-batch.js';

interface Frame { scenario: string; api: string; apiKey: number; apiVersion: number; hex: string; unsupported?: boolean }
interface Capture { client: string; frames: Frame[] }

function load(name: string): Capture {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/kafka/captured/${name}.json`, import.meta.url), 'utf8')) as Capture;
}

const captures = [load('kcat'), load('kafkajs')];

function decode(f: Frame): KafkaRequest {
  const decoded = decodeRequest(Buffer.from(f.hex, 'hex'));
  if (decoded.kind !== 'request') throw new Error(`${f.api} v${f.apiVersion} decoded as unsupported`);
  return decoded.request;
}

function framesOf(c: Capture, api: KafkaApiName, scenario?: string): KafkaRequest[] {
  return c.frames.filter((f) => f.api === api && !f.unsupported && (scenario === undefined || f.scenario === scenario)).map(decode);
}

describe.each(captures)('captured $client requests', (capture) => {
  it.each(capture.frames.filter((f) => !f.unsupported).map((f) => ({ ...f, label: `${f.scenario} ${f.api} v${f.apiVersion}` })))(
    '$label decodes and re-encodes to the same bytes', (f) => {
      const req = decode(f);
      expect(req.api).toBe(f.api);
      expect(req.apiVersion).toBe(f.apiVersion);
      const again = encodeRequest(req.api, req.apiVersion, req.correlationId, req.clientId, req.body as never);
      expect(again.subarray(4).toString('hex')).toBe(f.hex);
    });

  it('negotiated only versions inside the advertised ranges', () => {
    for (const f of capture.frames) {
      if (f.api === 'apiVersions') continue;
      const api = KafkaApis[f.api as KafkaApiName];
      expect(f.apiVersion).toBeGreaterThanOrEqual(api.versions.min);
      expect(f.apiVersion).toBeLessThanOrEqual(api.versions.max);
    }
  });

  it('sent group subscriptions the consumer protocol decoder reads', () => {
    const joins = framesOf(capture, 'joinGroup');
    expect(joins.length).toBeGreaterThan(0);
    for (const j of joins) {
      if (j.api !== 'joinGroup') continue;
      expect(j.body.protocolType).toBe('consumer');
      for (const p of j.body.protocols) expect(decodeConsumerSubscription(p.metadata).topics.length).toBeGreaterThan(0);
    }
  });
});

describe('what kcat sent', () => {
  const kcat = captures[0]!;

  it('asks ApiVersions v3 in the flexible encoding, naming itself', () => {
    const [req] = framesOf(kcat, 'apiVersions');
    expect(req?.apiVersion).toBe(3);
    if (req?.api !== 'apiVersions') throw new Error('no ApiVersions');
    expect(req.body.clientSoftwareName).toBe('librdkafka');
    expect(req.body.clientSoftwareVersion).toMatch(/^2\./);
  });

  it.each([
    ['produce-gzip', COMPRESSION_GZIP], ['produce-snappy', COMPRESSION_SNAPPY],
    ['produce-lz4', COMPRESSION_LZ4], ['produce-zstd', COMPRESSION_ZSTD],
  ])('%s carries a magic 2 batch with that codec', (scenario, codec) => {
    const [req] = framesOf(kcat, 'produce', scenario);
    if (req?.api !== 'produce') throw new Error(`no produce in ${scenario}`);
    const records = req.body.topicData[0]!.partitionData[0]!.records!;
    const header = readBatchHeader(records);
    expect(header.magic).toBe(2);
    expect(compressionOf(header.attributes)).toBe(codec);
  });

  it('an idempotent producer gets an id first, then sends batches stamped with it', () => {
    const [init] = framesOf(kcat, 'initProducerId', 'produce-idempotent');
    expect(init).toBeDefined();
    const [req] = framesOf(kcat, 'produce', 'produce-idempotent');
    if (req?.api !== 'produce') throw new Error('no produce');
    expect(req.body.acks).toBe(-1);
    const header = readBatchHeader(req.body.topicData[0]!.partitionData[0]!.records!);
    expect(header.producerId).toBeGreaterThanOrEqual(1000);
    expect(header.baseSequence).toBe(0);
  });
});
