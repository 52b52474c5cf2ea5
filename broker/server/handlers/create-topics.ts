/**
 * CreateTopics: each topic succeeds or fails on its own; failures (bad name, already exists,
 * bad config, limit reached) go in that topic's result, never in Response.error. The topics of
 * one request are created side by side (TopicManager.createTopics) and share their topics.json
 * writes; the maxTopics check counts creations in progress, so it still holds. A name listed
 * more than once in one request is refused in every entry (as Kafka does): answers are matched
 * by name, so two outcomes for one name could not be told apart.
 */
import { InvalidRequestError, errorToWire } from '../../../proto/errors.js';
import { overridesFromWire } from '../../topics/topic-config.js';
import type { NewTopicSpec } from '../../topics/topic-manager.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleCreateTopics(
  ctx: RequestContext,
  req: strata.v1.CreateTopicsRequest.$Properties,
): Promise<strata.v1.CreateTopicsResponse.$Properties> {
  const requested = req.topics ?? [];
  const results: strata.v1.TopicResult.$Properties[] = requested.map((t) => ({ name: t.name ?? '' }));
  const specs: NewTopicSpec[] = [];
  const slots: number[] = [];
  const seen = new Map<string, number>();
  for (const t of requested) seen.set(t.name ?? '', (seen.get(t.name ?? '') ?? 0) + 1);
  requested.forEach((t, i) => {
    try {
      if (seen.get(t.name ?? '')! > 1) throw new InvalidRequestError(`topic ${t.name ?? ''} is listed more than once in one request`);
      specs.push({ name: t.name ?? '', partitions: t.partitions ?? 0, overrides: overridesFromWire(t.config) });
      slots.push(i);
    } catch (err) {
      results[i]!.error = errorToWire(err);
    }
  });
  const outcomes = await ctx.services.topics.createTopics(specs);
  outcomes.forEach((outcome, j) => {
    if (!(outcome instanceof Error)) return;
    ctx.logger.debug({ err: outcome, topic: specs[j]!.name }, 'create topic refused');
    results[slots[j]!]!.error = errorToWire(outcome);
  });
  return { topics: results };
}
