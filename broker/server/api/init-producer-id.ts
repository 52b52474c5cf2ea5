/**
 * InitProducerId: a fresh producer id at epoch 0, or, given the caller's current id and epoch,
 * the same id at epoch + 1 (KIP-360). Ids are never reused, also across restarts, and only the
 * connection an id was issued to may raise its epoch (see ProducerIdAllocator): the context,
 * one object per connection, stands for it until requests carry an authenticated principal.
 */
import type { ProducerIdAndEpoch } from '../../partition/producer-ids.js';
import type { RequestContext } from '../request-context.js';

export interface InitProducerIdCommand {
  /** The caller's current id and epoch, to raise the epoch; absent for a new id. */
  readonly current?: ProducerIdAndEpoch | undefined;
}

export interface InitProducerIdResult {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export async function handleInitProducerId(ctx: RequestContext, cmd: InitProducerIdCommand): Promise<InitProducerIdResult> {
  if (cmd.current) {
    const raised = await ctx.services.producerIds.bump(cmd.current, ctx);
    ctx.logger.debug({ from: cmd.current, to: raised }, 'producer epoch raised');
    return raised;
  }
  const producerId = await ctx.services.producerIds.next(ctx);
  ctx.logger.debug({ producerId }, 'producer id handed out');
  return { producerId, producerEpoch: 0 };
}
