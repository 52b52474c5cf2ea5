/**
 * CreatePartitions (key 37), CreatePartitionsRequest/Response.json: grow a topic to `count`
 * partitions. v1 is v0 with throttling semantics, v2 is flexible, v3 only adds a quota error.
 */
import { array, defineApi, field } from '../schema.js';

export const createPartitions = defineApi({
  key: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexibleVersions: '2+',
  request: [
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('count', 'int32', '0+'),
      array('assignments', '0+', [
        array('brokerIds', '0+', 'int32'),
      ], { nullable: '0+' }),
    ]),
    field('timeoutMs', 'int32', '0+'),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [
      field('name', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
    ]),
  ],
});
