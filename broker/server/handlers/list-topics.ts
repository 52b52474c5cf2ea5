/** ListTopics: every topic name, sorted. */
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleListTopics(
  ctx: RequestContext,
  _req: strata.v1.ListTopicsRequest.$Properties,
): Promise<strata.v1.ListTopicsResponse.$Properties> {
  return { names: ctx.services.topics.listTopics() };
}
