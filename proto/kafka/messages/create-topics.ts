/**
 * CreateTopics (key 19), CreateTopicsRequest/Response.json. v1 adds validate_only and error
 * messages, v2 the throttle time, v4 lets the broker pick partition count and replication factor
 * (-1), v5 is flexible and answers with the topic's partitions, replication factor and configs,
 * v6 only adds a possible quota error. v7+ (topic ids) is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const createTopics = defineApi({
  key: 19,
  name: 'CreateTopics',
  versions: '0-6',
  flexibleVersions: '5+',
  request: [
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('numPartitions', 'int32', '0+'),
      field('replicationFactor', 'int16', '0+'),
      array('assignments', '0+', [
        field('partitionIndex', 'int32', '0+'),
        array('brokerIds', '0+', 'int32'),
      ]),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field('validateOnly', 'bool', '1+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('topicId', 'uuid', '7+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '1+', { nullable: '0+' }),
      field('topicConfigErrorCode', 'int16', '5+', { tag: 0, taggedVersions: '5+' }),
      field('numPartitions', 'int32', '5+', { default: -1 }),
      field('replicationFactor', 'int16', '5+', { default: -1 }),
      array('configs', '5+', [
        field('name', 'string', '5+'),
        field('value', 'string', '5+', { nullable: '5+' }),
        field('readOnly', 'bool', '5+'),
        field('configSource', 'int8', '5+', { default: -1 }),
        field('isSensitive', 'bool', '5+'),
      ], { nullable: '5+' }),
    ]),
  ],
});
