/**
 * AlterQuotas and DescribeQuotas: client quotas (broker/security/quota.ts), stored durably
 * (quotas.json) before the answer and applied to the next request. Altering needs ALTER_CONFIGS
 * on the cluster, listing DESCRIBE_CONFIGS, as Kafka's AlterClientQuotas/DescribeClientQuotas.
 */
import type { QuotaEntity, QuotaEntry, QuotaValues } from '../../security/quota.js';
import type { RequestContext } from '../request-context.js';
import { requireClusterOperation } from '../security-admin.js';

export interface AlterQuotasCommand {
  readonly entity: QuotaEntity;
  readonly set: Readonly<Record<string, number>>;
  readonly remove: readonly string[];
}
export type AlterQuotasResult = Readonly<Record<string, never>>;
export type DescribeQuotasCommand = Readonly<Record<string, never>>;
export interface DescribeQuotasResult {
  readonly entries: QuotaEntry[];
}

export async function handleAlterQuotas(ctx: RequestContext, cmd: AlterQuotasCommand): Promise<AlterQuotasResult> {
  const security = requireClusterOperation(ctx, 'alter-configs', 'alterQuotas');
  await security.quotas.alter(cmd.entity, cmd.set as QuotaValues, cmd.remove);
  ctx.logger.info({ entity: cmd.entity, set: cmd.set, remove: cmd.remove, by: ctx.principal }, 'quota changed');
  return {};
}

export async function handleDescribeQuotas(ctx: RequestContext, _cmd: DescribeQuotasCommand): Promise<DescribeQuotasResult> {
  return { entries: requireClusterOperation(ctx, 'describe-configs', 'describeQuotas').quotas.list() };
}
