/** ListGroups: every group with members or committed offsets, sorted by id. */
import type { GroupListing } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

export type ListGroupsCommand = Readonly<Record<string, never>>;

export interface ListGroupsResult {
  readonly groups: GroupListing[];
}

export async function handleListGroups(ctx: RequestContext, _cmd: ListGroupsCommand): Promise<ListGroupsResult> {
  return { groups: ctx.services.groups.listGroups() };
}
