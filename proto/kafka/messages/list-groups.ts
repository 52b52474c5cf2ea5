/**
 * ListGroups (key 16), ListGroupsRequest/Response.json. v1 adds the throttle time, v3 is
 * flexible, v4 filters by state and reports each group's state. v5 (group types) is not served.
 */
import { array, defineApi, field } from '../schema.js';

export const listGroups = defineApi({
  key: 16,
  name: 'ListGroups',
  versions: '0-4',
  flexibleVersions: '3+',
  request: [
    array('statesFilter', '4+', 'string'),
    array('typesFilter', '5+', 'string'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    array('groups', '0+', [
      field('groupId', 'string', '0+'),
      field('protocolType', 'string', '0+'),
      field('groupState', 'string', '4+'),
      field('groupType', 'string', '5+'),
    ]),
  ],
});
