/**
 * DeleteGroups (key 42), DeleteGroupsRequest/Response.json. v1 is v0 with throttling semantics,
 * v2 is flexible.
 */
import { array, defineApi, field } from '../schema.js';

export const deleteGroups = defineApi({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexibleVersions: '2+',
  request: [
    array('groupsNames', '0+', 'string'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [
      field('groupId', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
    ]),
  ],
});
