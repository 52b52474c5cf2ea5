/**
 * SaslAuthenticate (key 36), SaslAuthenticateRequest/Response.json. v1 adds the session
 * lifetime (KIP-368), v2 is flexible.
 */
import { defineApi, field } from '../schema.js';

export const saslAuthenticate = defineApi({
  key: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexibleVersions: '2+',
  request: [
    field('authBytes', 'bytes', '0+'),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullable: '0+' }),
    field('authBytes', 'bytes', '0+'),
    field('sessionLifetimeMs', 'int64', '1+', { default: 0 }),
  ],
});
