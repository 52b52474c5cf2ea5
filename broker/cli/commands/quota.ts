/**
 * `strata quota set|list`: client quotas through a running broker (Kafka's kafka-configs
 * --entity-type users/clients). A client over its quota has its answers delayed and its
 * connection not read meanwhile; nothing it wrote is dropped.
 *
 *   strata quota set --user alice --producer-byte-rate 1048576
 *   strata quota set --user '<default>' --consumer-byte-rate 10485760
 *   strata quota set --user alice --remove producerByteRate
 *   strata quota list
 */
import type { Command } from 'commander';
import type { QuotaKeyName } from '../../../client/index.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { QUOTA_KEYS } from '../../security/quota.js';
import { parseChoice, parseCommaList, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';
import { table } from './topic.js';

interface QuotaOptions extends BrokerOption {
  user?: string;
  clientId?: string;
  producerByteRate?: number;
  consumerByteRate?: number;
  requestRate?: number;
  remove?: string[];
  format: 'text' | 'json';
}

export function registerQuotaCommands(program: Command): void {
  const quota = program.command('quota').description('client quotas: produce/fetch bytes per second, requests per second');

  // --user is taken by the login (client-options.ts): the quota's user is --for-user.
  addBrokerOption(quota.command('set')
    .description('set or remove quotas of a user, a client id, or both (<default>: every one)')
    .option('--for-user <name>', 'the user the quota applies to (<default>: each user)')
    .option('--client-id <id>', 'the client id the quota applies to (<default>: each client id)')
    .option('--producer-byte-rate <bytes/s>', 'produce request bytes per second', parsePositiveInt('--producer-byte-rate'))
    .option('--consumer-byte-rate <bytes/s>', 'fetch response bytes per second', parsePositiveInt('--consumer-byte-rate'))
    .option('--request-rate <n/s>', 'requests per second', parsePositiveInt('--request-rate'))
    .option('--remove <keys>', `comma-separated: ${QUOTA_KEYS.join(', ')}`, parseCommaList('--remove')))
    .action(async (opts: QuotaOptions & { forUser?: string }) => {
      await (async () => {
        if (opts.forUser === undefined && opts.clientId === undefined) throw new InvalidConfigError('name the entity: --for-user and/or --client-id');
        const set: Partial<Record<QuotaKeyName, number>> = {};
        if (opts.producerByteRate !== undefined) set.producerByteRate = opts.producerByteRate;
        if (opts.consumerByteRate !== undefined) set.consumerByteRate = opts.consumerByteRate;
        if (opts.requestRate !== undefined) set.requestRate = opts.requestRate;
        const remove = (opts.remove ?? []).map((k) => parseChoice('--remove', QUOTA_KEYS)(k));
        if (Object.keys(set).length === 0 && remove.length === 0) throw new InvalidConfigError('give a rate to set or --remove');
        const entity = { ...(opts.forUser !== undefined ? { user: opts.forUser } : {}), ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}) };
        await withClient(opts, (c) => c.securityAdmin().alterQuotas(entity, set, remove));
        process.stderr.write('quota updated\n');
      })().catch(fail);
    });

  addBrokerOption(quota.command('list')
    .description('list every quota')
    .option('--format <format>', 'text or json', parseChoice('--format', ['text', 'json'] as const), 'text'))
    .action(async (opts: QuotaOptions) => {
      await (async () => {
        const entries = await withClient(opts, (c) => c.securityAdmin().describeQuotas());
        if (opts.format === 'json') return writeOut(`${JSON.stringify(entries)}\n`);
        if (entries.length === 0) return writeOut('(no quotas)\n');
        return writeOut(`${table(['USER', 'CLIENT-ID', 'QUOTA', 'VALUE'], entries.flatMap((e) => Object.entries(e.values).map(([k, v]) => [
          e.entity.user ?? '', e.entity.clientId ?? '', k, String(v)])))}\n`);
      })().catch(fail);
    });
}
