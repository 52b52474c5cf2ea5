/** DeleteTopics: each name is deleted on its own; a failure (unknown topic...) goes in its result. */
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';
import type { TopicResult } from './create-topics.js';

export interface DeleteTopicsCommand {
  readonly names: readonly string[];
}

export interface DeleteTopicsResult {
  readonly topics: TopicResult[];
}

export async function handleDeleteTopics(ctx: RequestContext, cmd: DeleteTopicsCommand): Promise<DeleteTopicsResult> {
  const results: TopicResult[] = [];
  for (const name of cmd.names) {
    try {
      // A cluster deletes in etcd; every broker's replica manager then deletes its replicas.
      if (ctx.services.cluster.mode === 'cluster') await ctx.services.cluster.deleteTopic(name);
      else await ctx.services.topics.deleteTopic(name);
      results.push({ name, error: null });
    } catch (err) {
      ctx.logger.debug({ err, topic: name }, 'delete topic refused');
      results.push({ name, error: itemError(ctx, err, { api: 'deleteTopics', topic: name }) });
    }
  }
  return { topics: results };
}
