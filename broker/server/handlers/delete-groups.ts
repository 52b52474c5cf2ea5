/** DeleteGroups: per group, drop its committed offsets; only groups without members. */
import { errorToWire } from '../../../proto/errors.js';
import type { strata } from '../../../proto/gen/strata.js';
import type { RequestContext } from '../request-context.js';

export async function handleDeleteGroups(
  ctx: RequestContext,
  req: strata.v1.DeleteGroupsRequest.$Properties,
): Promise<strata.v1.DeleteGroupsResponse.$Properties> {
  const groups: strata.v1.GroupResult.$Properties[] = [];
  for (const groupId of req.groupIds ?? []) {
    try {
      await ctx.services.groups.deleteGroup(groupId);
      groups.push({ groupId });
    } catch (err) {
      groups.push({ groupId, error: errorToWire(err) });
    }
  }
  return { groups };
}
