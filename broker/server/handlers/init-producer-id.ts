/**
 * InitProducerId: a fresh producer id at epoch 0. Ids are never reused, also across restarts
 * (see ProducerIdAllocator), so a new producer can never be mistaken for an old one's retry.
 */
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleInitProducerId(
  ctx: RequestContext,
  _req: strata.v1.InitProducerIdRequest.$Properties,
): Promise<strata.v1.InitProducerIdResponse.$Properties> {
  const producerId = await ctx.services.producerIds.next();
  ctx.logger.debug({ producerId }, 'producer id handed out');
  return { producerId, producerEpoch: 0 };
}
