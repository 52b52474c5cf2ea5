/**
 * OffsetFetch (key 9), OffsetFetchRequest/Response.json. v1 is the oldest served (v0 read
 * offsets kept in ZooKeeper); v2 lets a null topic list mean all topics and adds a top-level
 * error; v3 the throttle time, v5 leader epochs, v6 is flexible, v7 require_stable. v8+ batches
 * groups (fields not listed here) and is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const offsetFetch = defineApi({
  key: 9,
  name: 'OffsetFetch',
  versions: '1-7',
  flexibleVersions: '6+',
  request: [
    field('groupId', 'string', '0-7'),
    array('topics', '0-7', [
      field('name', 'string', '0-7'),
      array('partitionIndexes', '0-7', 'int32'),
    ], { nullable: '2-7' }),
    field('requireStable', 'bool', '7+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', '0-7', [
      field('name', 'string', '0-7'),
      array('partitions', '0-7', [
        field('partitionIndex', 'int32', '0-7'),
        field('committedOffset', 'int64', '0-7'),
        field('committedLeaderEpoch', 'int32', '5-7', { default: -1 }),
        field('metadata', 'string', '0-7', { nullable: '0-7' }),
        field('errorCode', 'int16', '0-7'),
      ]),
    ]),
    field('errorCode', 'int16', '2-7', { default: 0 }),
  ],
});
