/** ListGroups: every group with members or committed offsets, sorted by id. */
import type { strata } from '../../../proto/gen/strata.js';
import type { RequestContext } from '../request-context.js';

export async function handleListGroups(
  ctx: RequestContext,
  _req: strata.v1.ListGroupsRequest.$Properties,
): Promise<strata.v1.ListGroupsResponse.$Properties> {
  return { groups: ctx.services.groups.listGroups() };
}
