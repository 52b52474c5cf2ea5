/**
 * DeleteTopics (key 20), DeleteTopicsRequest/Response.json. v1 adds the throttle time, v4 is
 * flexible, v5 adds error messages. v6+ names topics by id and is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const deleteTopics = defineApi({
  key: 20,
  name: 'DeleteTopics',
  versions: '0-5',
  flexibleVersions: '4+',
  request: [
    array('topics', '6+', [
      field('name', 'string', '6+', { nullable: '6+', default: null }),
      field('topicId', 'uuid', '6+'),
    ]),
    array('topicNames', '0-5', 'string'),
    field('timeoutMs', 'int32', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    array('responses', '0+', [
      field('name', 'string', '0+', { nullable: '6+' }),
      field('topicId', 'uuid', '6+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '5+', { nullable: '5+', default: null }),
    ]),
  ],
});
