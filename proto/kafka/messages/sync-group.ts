/**
 * SyncGroup (key 14), SyncGroupRequest/Response.json. The leader sends every member's
 * assignment; each member gets its own back. v1 adds the throttle time, v3 group instance ids,
 * v4 is flexible, v5 names the protocol type and name on both sides.
 */
import { array, defineApi, field } from '../schema.js';

export const syncGroup = defineApi({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexibleVersions: '4+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    array('assignments', '0+', [
      field('memberId', 'string', '0+'),
      field('assignment', 'bytes', '0+'),
    ]),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    field('assignment', 'bytes', '0+'),
  ],
});
