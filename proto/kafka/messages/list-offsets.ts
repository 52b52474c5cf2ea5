/**
 * ListOffsets (key 2), ListOffsetsRequest/Response.json. v1 is the oldest served (one offset per
 * partition; v0's offset lists are gone); v2 adds the isolation level, v4 leader epochs, v6 is
 * flexible. Timestamps -1 (latest) and -2 (earliest) are the sentinels; v7+ adds -3 (max
 * timestamp) and is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const listOffsets = defineApi({
  key: 2,
  name: 'ListOffsets',
  versions: '1-6',
  flexibleVersions: '6+',
  request: [
    field('replicaId', 'int32', '0+'),
    field('isolationLevel', 'int8', '2+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
        field('timestamp', 'int64', '0+'),
        field('maxNumOffsets', 'int32', '0', { default: 1 }),
      ]),
    ]),
    field('timeoutMs', 'int32', '10+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        array('oldStyleOffsets', '0', 'int64'),
        field('timestamp', 'int64', '1+', { default: -1 }),
        field('offset', 'int64', '1+', { default: -1 }),
        field('leaderEpoch', 'int32', '4+', { default: -1 }),
      ]),
    ]),
  ],
});
