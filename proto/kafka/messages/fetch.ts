/**
 * Fetch (key 1), FetchRequest/Response.json. v4 is the oldest served: the first whose consumers
 * read RecordBatch v2 (v0-3 would need down-conversion to older formats). v5 adds log start
 * offsets, v7 fetch sessions (Strata always answers session 0: no sessions), v9 the current
 * leader epoch, v10 zstd, v11 rack ids and the preferred read replica, v12 is flexible with
 * tagged diverging-epoch and current-leader fields. v13+ names topics by id and is not served.
 */
import { array, defineApi, field, struct } from '../schema.js';

export const fetch = defineApi({
  key: 1,
  name: 'Fetch',
  versions: '4-12',
  flexibleVersions: '12+',
  request: [
    field('clusterId', 'string', '12+', { nullable: '12+', default: null, tag: 0, taggedVersions: '12+' }),
    field('replicaId', 'int32', '0-14', { default: -1 }),
    struct('replicaState', '15+', [
      field('replicaId', 'int32', '15+', { default: -1 }),
      field('replicaEpoch', 'int64', '15+', { default: -1 }),
    ], { tag: 1, taggedVersions: '15+' }),
    field('maxWaitMs', 'int32', '0+'),
    field('minBytes', 'int32', '0+'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    field('isolationLevel', 'int8', '4+', { default: 0 }),
    field('sessionId', 'int32', '7+', { default: 0 }),
    field('sessionEpoch', 'int32', '7+', { default: -1 }),
    array('topics', '0+', [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', '0+', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
        field('fetchOffset', 'int64', '0+'),
        field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        field('partitionMaxBytes', 'int32', '0+'),
        field('replicaDirectoryId', 'uuid', '17+', { tag: 0, taggedVersions: '17+' }),
      ]),
    ]),
    array('forgottenTopicsData', '7+', [
      field('topic', 'string', '7-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', '7+', 'int32'),
    ]),
    field('rackId', 'string', '11+', { default: '' }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '7+'),
    field('sessionId', 'int32', '7+', { default: 0 }),
    array('responses', '0+', [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('highWatermark', 'int64', '0+'),
        field('lastStableOffset', 'int64', '4+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        struct('divergingEpoch', '12+', [
          field('epoch', 'int32', '12+', { default: -1 }),
          field('endOffset', 'int64', '12+', { default: -1 }),
        ], { tag: 0, taggedVersions: '12+' }),
        struct('currentLeader', '12+', [
          field('leaderId', 'int32', '12+', { default: -1 }),
          field('leaderEpoch', 'int32', '12+', { default: -1 }),
        ], { tag: 1, taggedVersions: '12+' }),
        struct('snapshotId', '12+', [
          field('endOffset', 'int64', '0+', { default: -1 }),
          field('epoch', 'int32', '0+', { default: -1 }),
        ], { tag: 2, taggedVersions: '12+' }),
        array('abortedTransactions', '4+', [
          field('producerId', 'int64', '4+'),
          field('firstOffset', 'int64', '4+'),
        ], { nullable: '4+' }),
        field('preferredReadReplica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullable: '0+' }),
      ]),
    ]),
    array('nodeEndpoints', '16+', [
      field('nodeId', 'int32', '16+'),
      field('host', 'string', '16+'),
      field('port', 'int32', '16+'),
      field('rack', 'string', '16+', { nullable: '16+', default: null }),
    ], { tag: 0, taggedVersions: '16+' }),
  ],
});
