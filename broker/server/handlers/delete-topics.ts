/** DeleteTopics: per-topic results, like CreateTopics. */
import { errorToWire } from '../../../proto/errors.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleDeleteTopics(
  ctx: RequestContext,
  req: strata.v1.DeleteTopicsRequest.$Properties,
): Promise<strata.v1.DeleteTopicsResponse.$Properties> {
  const results: strata.v1.TopicResult.$Properties[] = [];
  for (const name of req.names ?? []) {
    try {
      await ctx.services.topics.deleteTopic(name);
      results.push({ name });
    } catch (err) {
      ctx.logger.debug({ err, topic: name }, 'delete topic refused');
      results.push({ name, error: errorToWire(err) });
    }
  }
  return { topics: results };
}
