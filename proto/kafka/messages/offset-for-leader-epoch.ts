/**
 * OffsetForLeaderEpoch (key 23), OffsetForLeaderEpochRequest/Response.json: the end offset of a
 * leader epoch, which consumers use to detect log truncation after a leader change (KIP-320) and
 * followers to find where their log diverges. v1 answers with the epoch, v2 adds the current
 * leader epoch and the throttle time, v3 the replica id, v4 is flexible.
 */
import { array, defineApi, field } from '../schema.js';

export const offsetForLeaderEpoch = defineApi({
  key: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '0-4',
  flexibleVersions: '4+',
  request: [
    field('replicaId', 'int32', '3+', { default: -2 }),
    array('topics', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('leaderEpoch', 'int32', '0+'),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('errorCode', 'int16', '0+'),
        field('partition', 'int32', '0+'),
        field('leaderEpoch', 'int32', '1+', { default: -1 }),
        field('endOffset', 'int64', '0+', { default: -1 }),
      ]),
    ]),
  ],
});
