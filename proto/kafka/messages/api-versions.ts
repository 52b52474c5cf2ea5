/**
 * ApiVersions (key 18), ApiVersionsRequest/Response.json. v0-2 share one layout (v1 adds the
 * throttle time); v3 is flexible and names the client software; v4 has v3's layout (it only lets
 * a feature's min version be 0). The response header is always v0 (headers.ts).
 */
import { array, defineApi, field } from '../schema.js';

export const apiVersions = defineApi({
  key: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexibleVersions: '3+',
  request: [
    field('clientSoftwareName', 'string', '3+'),
    field('clientSoftwareVersion', 'string', '3+'),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    array('apiKeys', '0+', [
      field('apiKey', 'int16', '0+'),
      field('minVersion', 'int16', '0+'),
      field('maxVersion', 'int16', '0+'),
    ]),
    field('throttleTimeMs', 'int32', '1+'),
    array('supportedFeatures', '3+', [
      field('name', 'string', '3+'),
      field('minVersion', 'int16', '3+'),
      field('maxVersion', 'int16', '3+'),
    ], { tag: 0, taggedVersions: '3+' }),
    field('finalizedFeaturesEpoch', 'int64', '3+', { tag: 1, taggedVersions: '3+', default: -1 }),
    array('finalizedFeatures', '3+', [
      field('name', 'string', '3+'),
      field('maxVersionLevel', 'int16', '3+'),
      field('minVersionLevel', 'int16', '3+'),
    ], { tag: 2, taggedVersions: '3+' }),
    field('zkMigrationReady', 'bool', '3+', { tag: 3, taggedVersions: '3+', default: false }),
  ],
});
