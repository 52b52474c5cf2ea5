/**
 * AlterConfigs (key 33), AlterConfigsRequest/Response.json: replaces a resource's whole set of
 * dynamic configs with the one given (settings left out go back to their defaults). v1 is v0
 * (the answer may be throttled), v2 is flexible. Resource types: 2 topic, 4 broker.
 */
import { array, defineApi, field } from '../schema.js';

export const alterConfigs = defineApi({
  key: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexibleVersions: '2+',
  request: [
    array('resources', '0+', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('responses', '0+', [
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+' }),
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
    ]),
  ],
});
