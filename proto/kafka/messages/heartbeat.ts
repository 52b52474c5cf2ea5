/**
 * Heartbeat (key 12), HeartbeatRequest/Response.json. v1 adds the throttle time, v3 group
 * instance ids, v4 is flexible.
 */
import { defineApi, field } from '../schema.js';

export const heartbeat = defineApi({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexibleVersions: '4+',
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
  ],
});
