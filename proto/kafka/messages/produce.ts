/**
 * Produce (key 0), ProduceRequest/Response.json. v1 adds the throttle time, v2 the log append
 * time, v3 the transactional id and RecordBatch v2 (magic 2); v4-8 add error codes and response
 * fields (log start offset in v5, record errors in v8); v9 is flexible. v10+ (leader hints for
 * KIP-951) is not served.
 *
 * v0-2 are served although their clients send message formats v0/v1, which Strata does not
 * store (such batches are refused per partition): librdkafka 2.0.x compresses with gzip, snappy
 * or lz4 only when the broker's Produce range includes v0, and sends every batch uncompressed
 * otherwise (rdkafka_msgset_writer.c checks the overlap with [0, 0]).
 */
import { array, defineApi, field, struct } from '../schema.js';

export const produce = defineApi({
  key: 0,
  name: 'Produce',
  versions: '0-9',
  flexibleVersions: '9+',
  request: [
    field('transactionalId', 'string', '3+', { nullable: '3+', default: null }),
    field('acks', 'int16', '0+'),
    field('timeoutMs', 'int32', '0+'),
    array('topicData', '0+', [
      field('name', 'string', '0+'),
      array('partitionData', '0+', [
        field('index', 'int32', '0+'),
        field('records', 'records', '0+', { nullable: '0+' }),
      ]),
    ]),
  ],
  response: [
    array('responses', '0+', [
      field('name', 'string', '0+'),
      array('partitionResponses', '0+', [
        field('index', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('baseOffset', 'int64', '0+'),
        field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        array('recordErrors', '8+', [
          field('batchIndex', 'int32', '8+'),
          field('batchIndexErrorMessage', 'string', '8+', { nullable: '8+', default: null }),
        ]),
        field('errorMessage', 'string', '8+', { nullable: '8+', default: null }),
        struct('currentLeader', '10+', [
          field('leaderId', 'int32', '10+', { default: -1 }),
          field('leaderEpoch', 'int32', '10+', { default: -1 }),
        ], { tag: 0, taggedVersions: '10+' }),
      ]),
    ]),
    field('throttleTimeMs', 'int32', '1+', { default: 0 }),
    array('nodeEndpoints', '10+', [
      field('nodeId', 'int32', '10+'),
      field('host', 'string', '10+'),
      field('port', 'int32', '10+'),
      field('rack', 'string', '10+', { nullable: '10+', default: null }),
    ], { tag: 0, taggedVersions: '10+' }),
  ],
});
