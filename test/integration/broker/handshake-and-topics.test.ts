import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../proto/constants.js';
import { ErrorCode } from '../../../proto/errors.js';
import { FRAME_BYTES_MAX } from '../../../proto/constants.js';
import { pb } from '../../../proto/messages.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

describe('broker handshake and topic administration', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker();
    c = await RawClient.connect(b.url);
  });
  afterAll(async () => {
    c?.close();
    await b?.stop();
  });

  it('answers ApiVersions with its version range, APIs, node id and frame limit', async () => {
    const res = await c.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION, clientSoftware: 'test' } });
    expect(res.error).toBeFalsy();
    expect(res.apiVersions).toMatchObject({ protocolVersionMin: 1, protocolVersionMax: PROTOCOL_VERSION, nodeId: 0, frameBytesMax: FRAME_BYTES_MAX });
    expect(res.apiVersions!.apis!.map((a) => a.api)).toEqual(expect.arrayContaining(['produce', 'fetch', 'initProducerId']));
    expect(res.apiVersions!.brokerVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses protocol versions outside its range with UnsupportedVersionError', async () => {
    for (const v of [0, PROTOCOL_VERSION + 1, 999]) {
      const res = await c.request({ apiVersions: { protocolVersion: v } });
      expect(res.error?.code, `version ${v}`).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect(res.error?.name).toBe('UnsupportedVersionError');
      expect(res.apiVersions).toBeFalsy();
    }
  });

  it('answers a request without a body with InvalidRequestError, and serves every API of the schema', async () => {
    const empty = await c.request({});
    expect(empty.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST, name: 'InvalidRequestError', retriable: false });
    // The consumer-group APIs (30-49) are served too.
    const group = await c.request({ listGroups: {} } as never);
    expect(group.error ?? null).toBeNull();
    expect(group.listGroups).toBeDefined();
  });

  it('creates, lists, describes and deletes topics', async () => {
    const created = await c.request({ createTopics: { topics: [
      { name: 'orders', partitions: 3, config: { segmentBytes: 64 * 1024, flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER } },
      { name: 'events' },
    ] } });
    expect(created.createTopics!.topics!.map((t) => [t.name, t.error ?? null])).toEqual([['orders', null], ['events', null]]);

    const list = await c.request({ listTopics: {} });
    expect(list.listTopics!.names).toEqual(['events', 'orders']);

    const meta = await c.request({ metadata: { topics: ['orders', 'missing'] } });
    expect(meta.metadata!.brokerUrl).toBe(b.url);
    const [orders, missing] = meta.metadata!.topics!;
    expect(orders!.partitions!.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(orders!.partitions![0]).toMatchObject({ logStartOffset: 0, logEndOffset: 0, leader: 0 });
    // Effective settings: the overrides, and the broker's defaults for what was not overridden.
    expect(orders!.config).toMatchObject({
      segmentBytes: 64 * 1024, flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER, retentionMs: DEFAULT_LOG_CONFIG.retentionMs,
    });
    expect(missing!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    const all = await c.request({ metadata: {} });
    expect(all.metadata!.topics!.map((t) => t.name)).toEqual(['events', 'orders']);
    expect(all.metadata!.topics![0]!.partitions).toHaveLength(1); // partitions: 0 means 1

    const deleted = await c.request({ deleteTopics: { names: ['events', 'events', 'never-was'] } });
    expect(deleted.deleteTopics!.topics!.map((t) => t.error?.code ?? 0)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await c.request({ listTopics: {} })).listTopics!.names).toEqual(['orders']);
  });

  it('reports per-topic errors: bad names, duplicates, bad configs, partition limits', async () => {
    const res = await c.request({ createTopics: { topics: [
      { name: '../escape', partitions: 1 },
      { name: '..', partitions: 1 },
      { name: 'x'.repeat(250), partitions: 1 },
      { name: 'orders', partitions: 1 },
      { name: 'tiny-segments', partitions: 1, config: { segmentBytes: 10 } },
      { name: 'too-many', partitions: 1_000_000 },
      { name: 'fine', partitions: 2 },
    ] } });
    const codes = res.createTopics!.topics!.map((t) => t.error?.code ?? 0);
    expect(codes).toEqual([
      ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_TOPIC_NAME,
      ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG, 0,
    ]);
    expect(res.createTopics!.topics![0]!.error!.name).toBe('InvalidTopicNameError');
  });

  it('serves concurrent creates of one name exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => c.request({ createTopics: { topics: [{ name: 'race', partitions: 2 }] } })));
    const codes = results.map((r) => r.createTopics!.topics![0]!.error?.code ?? 0).sort();
    expect(codes).toEqual([0, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.TOPIC_ALREADY_EXISTS]);
  });

  it('answers pipelined requests by correlation id', async () => {
    const ids = [c.send({ listTopics: {} }), c.send({ metadata: {} }), c.send({ apiVersions: { protocolVersion: 1 } })];
    const res = await Promise.all(ids.map((id) => c.responseTo(id)));
    expect(res.map((r) => r.body)).toEqual(['listTopics', 'metadata', 'apiVersions']);
  });
});
