/**
 * InitProducerId: a fresh producer id at epoch 0. Ids are never reused, also across restarts
 * (see ProducerIdAllocator), so a new producer can never be mistaken for an old one's retry.
 */
import type { RequestContext } from '../request-context.js';

export type InitProducerIdCommand = Readonly<Record<string, never>>;

export interface InitProducerIdResult {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export async function handleInitProducerId(ctx: RequestContext, _cmd: InitProducerIdCommand): Promise<InitProducerIdResult> {
  const producerId = await ctx.services.producerIds.next();
  ctx.logger.debug({ producerId }, 'producer id handed out');
  return { producerId, producerEpoch: 0 };
}
