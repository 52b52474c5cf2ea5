/**
 * FindCoordinator (key 10), FindCoordinatorRequest/Response.json. v1 adds the key type (0 group,
 * 1 transaction) and error messages, v3 is flexible, v4 batches several keys per request (the
 * single-key fields are gone). v5+ (transactions v2, share groups) is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const findCoordinator = defineApi({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-4',
  flexibleVersions: '3+',
  request: [
    field('key', 'string', '0-3'),
    field('keyType', 'int8', '1+', { default: 0 }),
    array('coordinatorKeys', '4+', 'string'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0-3'),
    field('errorMessage', 'string', '1-3', { nullable: '1-3' }),
    field('nodeId', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
    array('coordinators', '4+', [
      field('key', 'string', '4+'),
      field('nodeId', 'int32', '4+'),
      field('host', 'string', '4+'),
      field('port', 'int32', '4+'),
      field('errorCode', 'int16', '4+'),
      field('errorMessage', 'string', '4+', { nullable: '4+' }),
    ]),
  ],
});
