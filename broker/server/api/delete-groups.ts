/** DeleteGroups: per group, drop its committed offsets; only groups without members. */
import type { StrataError } from '../../../proto/errors.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';

export interface DeleteGroupsCommand {
  readonly groupIds: readonly string[];
}

export interface DeleteGroupsResult {
  readonly groups: Array<{ readonly groupId: string; readonly error: StrataError | null }>;
}

export async function handleDeleteGroups(ctx: RequestContext, cmd: DeleteGroupsCommand): Promise<DeleteGroupsResult> {
  const groups: DeleteGroupsResult['groups'] = [];
  for (const groupId of cmd.groupIds) {
    try {
      await ctx.services.groups.deleteGroup(groupId);
      groups.push({ groupId, error: null });
    } catch (err) {
      groups.push({ groupId, error: itemError(ctx, err, { api: 'deleteGroups', groupId }) });
    }
  }
  return { groups };
}
