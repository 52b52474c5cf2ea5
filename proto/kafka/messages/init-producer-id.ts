/**
 * InitProducerId (key 22), InitProducerIdRequest/Response.json. v2 is flexible; v3 lets a
 * producer name its current id and epoch to have the epoch bumped (KIP-360). For a producer with
 * no transactional id, Kafka hands out a new id on every call, and so does Strata. v5+
 * (transactions v2) is not served.
 */
import { defineApi, field } from '../schema.js';

export const initProducerId = defineApi({
  key: 22,
  name: 'InitProducerId',
  versions: '0-4',
  flexibleVersions: '2+',
  request: [
    field('transactionalId', 'string', '0+', { nullable: '0+' }),
    field('transactionTimeoutMs', 'int32', '0+'),
    field('producerId', 'int64', '3+', { default: -1 }),
    field('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('producerId', 'int64', '0+', { default: -1 }),
    field('producerEpoch', 'int16', '0+'),
  ],
});
