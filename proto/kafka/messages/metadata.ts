/**
 * Metadata (key 3), MetadataRequest/Response.json. v0: an empty topic list means all topics;
 * v1+: null means all, empty means none. v1 adds racks, the controller and is_internal; v2 the
 * cluster id; v3 the throttle time; v4 allow_auto_topic_creation; v5 offline replicas; v7 leader
 * epochs; v8 authorized operations; v9 is flexible. v10+ (topic ids) is not served.
 */
import { array, defineApi, field } from '../schema.js';

const AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

export const metadata = defineApi({
  key: 3,
  name: 'Metadata',
  versions: '0-9',
  flexibleVersions: '9+',
  request: [
    array('topics', '0+', [
      field('topicId', 'uuid', '10+'),
      field('name', 'string', '0+', { nullable: '10+' }),
    ], { nullable: '1+' }),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    field('includeClusterAuthorizedOperations', 'bool', '8-10'),
    field('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('brokers', '0+', [
      field('nodeId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '1+', { nullable: '1+', default: null }),
    ]),
    field('clusterId', 'string', '2+', { nullable: '2+', default: null }),
    field('controllerId', 'int32', '1+', { default: -1 }),
    array('topics', '0+', [
      field('errorCode', 'int16', '0+'),
      field('name', 'string', '0+', { nullable: '12+' }),
      field('topicId', 'uuid', '10+'),
      field('isInternal', 'bool', '1+', { default: false }),
      array('partitions', '0+', [
        field('errorCode', 'int16', '0+'),
        field('partitionIndex', 'int32', '0+'),
        field('leaderId', 'int32', '0+'),
        field('leaderEpoch', 'int32', '7+', { default: -1 }),
        array('replicaNodes', '0+', 'int32'),
        array('isrNodes', '0+', 'int32'),
        array('offlineReplicas', '5+', 'int32'),
      ]),
      field('topicAuthorizedOperations', 'int32', '8+', { default: AUTHORIZED_OPERATIONS_UNKNOWN }),
    ]),
    field('clusterAuthorizedOperations', 'int32', '8-10', { default: AUTHORIZED_OPERATIONS_UNKNOWN }),
  ],
});
