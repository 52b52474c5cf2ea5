/** ListTopics: every topic's name. */
import type { RequestContext } from '../request-context.js';

export type ListTopicsCommand = Readonly<Record<string, never>>;

export interface ListTopicsResult {
  readonly names: string[];
}

export async function handleListTopics(ctx: RequestContext, _cmd: ListTopicsCommand): Promise<ListTopicsResult> {
  return { names: ctx.services.topics.listTopics() };
}
