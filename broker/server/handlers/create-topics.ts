/**
 * CreateTopics: each topic succeeds or fails on its own; failures (bad name, already exists,
 * bad config, limit reached) go in that topic's result, never in Response.error. Topics are
 * created one after another so the maxTopics check sees every earlier creation.
 */
import { errorToWire } from '../../../proto/errors.js';
import { overridesFromWire } from '../../topics/topic-config.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleCreateTopics(
  ctx: RequestContext,
  req: strata.v1.CreateTopicsRequest.$Properties,
): Promise<strata.v1.CreateTopicsResponse.$Properties> {
  const results: strata.v1.TopicResult.$Properties[] = [];
  for (const t of req.topics ?? []) {
    const name = t.name ?? '';
    try {
      await ctx.services.topics.createTopic(name, t.partitions ?? 0, overridesFromWire(t.config));
      results.push({ name });
    } catch (err) {
      ctx.logger.debug({ err, topic: name }, 'create topic refused');
      results.push({ name, error: errorToWire(err) });
    }
  }
  return { topics: results };
}
