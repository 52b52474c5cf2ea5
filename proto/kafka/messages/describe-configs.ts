/**
 * DescribeConfigs (key 32), DescribeConfigsRequest/Response.json. Resource types: 2 topic,
 * 4 broker. v1 adds synonyms and the config source (replacing is_default), v3 types and
 * documentation, v4 is flexible.
 */
import { array, defineApi, field } from '../schema.js';

export const describeConfigs = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexibleVersions: '4+',
  request: [
    array('resources', '0+', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configurationKeys', '0+', 'string', { nullable: '0+' }),
    ]),
    field('includeSynonyms', 'bool', '1+', { default: false }),
    field('includeDocumentation', 'bool', '3+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+' }),
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
        field('readOnly', 'bool', '0+'),
        field('isDefault', 'bool', '0'),
        field('configSource', 'int8', '1+', { default: -1 }),
        field('isSensitive', 'bool', '0+'),
        array('synonyms', '1+', [
          field('name', 'string', '1+'),
          field('value', 'string', '1+', { nullable: '0+' }),
          field('source', 'int8', '1+'),
        ]),
        field('configType', 'int8', '3+', { default: 0 }),
        field('documentation', 'string', '3+', { nullable: '0+' }),
      ]),
    ]),
  ],
});
