/** ListTopics: every topic's name the caller may describe (with authentication on, others do not show). */
import { mayDescribeTopic } from '../../security/request-authorization.js';
import type { RequestContext } from '../request-context.js';

export type ListTopicsCommand = Readonly<Record<string, never>>;

export interface ListTopicsResult {
  readonly names: string[];
}

export async function handleListTopics(ctx: RequestContext, _cmd: ListTopicsCommand): Promise<ListTopicsResult> {
  return { names: ctx.services.topics.listTopics().filter((n) => mayDescribeTopic(ctx, n)) };
}
