/**
 * OffsetCommit (key 8), OffsetCommitRequest/Response.json. v0 commits without a generation (as
 * an admin tool does); v1 adds the generation, member id and a per-partition commit timestamp;
 * v2-4 replace that timestamp with a retention time (ignored: Strata keeps committed offsets
 * until the group is deleted); v3 adds the throttle time, v6 leader epochs, v7 group instance
 * ids, v8 is flexible. v9 (KIP-848 member epochs) is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const offsetCommit = defineApi({
  key: 8,
  name: 'OffsetCommit',
  versions: '0-8',
  flexibleVersions: '8+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '1+'),
    field('groupInstanceId', 'string', '7+', { nullable: '7+', default: null }),
    field('retentionTimeMs', 'int64', '2-4', { default: -1 }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('committedOffset', 'int64', '0+'),
        field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
        field('commitTimestamp', 'int64', '1', { default: -1 }),
        field('committedMetadata', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
      ]),
    ]),
  ],
});
