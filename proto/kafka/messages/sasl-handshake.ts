/**
 * SaslHandshake (key 17), SaslHandshakeRequest/Response.json. Never flexible. v0 is followed by
 * raw size-prefixed SASL tokens, v1 by SaslAuthenticate requests.
 */
import { array, defineApi, field } from '../schema.js';

export const saslHandshake = defineApi({
  key: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexibleVersions: 'none',
  request: [
    field('mechanism', 'string', '0+'),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    array('mechanisms', '0+', 'string'),
  ],
});
