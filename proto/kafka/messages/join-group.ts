/**
 * JoinGroup (key 11), JoinGroupRequest/Response.json. v1 adds the rebalance timeout, v2 the
 * throttle time, v4 lets the broker ask for a rejoin with an assigned member id (Strata assigns
 * one straight away instead), v5 static membership (group instance ids), v6 is flexible, v7 names
 * the protocol type in the answer, v8 adds a reason, v9 skip_assignment (Strata never sets it).
 */
import { array, defineApi, field } from '../schema.js';

export const joinGroup = defineApi({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexibleVersions: '6+',
  request: [
    field('groupId', 'string', '0+'),
    field('sessionTimeoutMs', 'int32', '0+'),
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolType', 'string', '0+'),
    array('protocols', '0+', [
      field('name', 'string', '0+'),
      field('metadata', 'bytes', '0+'),
    ]),
    field('reason', 'string', '8+', { nullable: '8+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    field('errorCode', 'int16', '0+'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolType', 'string', '7+', { nullable: '7+', default: null }),
    field('protocolName', 'string', '0+', { nullable: '7+' }),
    field('leader', 'string', '0+'),
    field('skipAssignment', 'bool', '9+', { default: false }),
    field('memberId', 'string', '0+'),
    array('members', '0+', [
      field('memberId', 'string', '0+'),
      field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
      field('metadata', 'bytes', '0+'),
    ]),
  ],
});
