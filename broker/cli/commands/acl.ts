/**
 * `strata acl add|list|remove`: ACL bindings through a running broker (Kafka's model, as
 * kafka-acls.sh has it). One resource per command (--topic NAME, --group NAME or --cluster),
 * one or more operations (--operation read,write), allow unless --deny, literal unless --prefixed.
 *
 *   strata acl add --principal User:alice --topic orders --operation read,describe
 *   strata acl add --principal '*' --topic public- --prefixed --operation read
 *   strata acl list [--principal User:alice] [--topic orders]
 *   strata acl remove --principal User:alice --topic orders [--operation read]
 */
import type { Command } from 'commander';
import type { AclEntry, AclFilter } from '../../../client/index.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { ACL_OPERATIONS, CLUSTER_RESOURCE_NAME } from '../../security/acl.js';
import { parseChoice, parseCommaList } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';
import { table } from './topic.js';

interface AclOptions extends BrokerOption {
  principal?: string;
  topic?: string;
  group?: string;
  cluster?: boolean;
  operation?: string[];
  prefixed?: boolean;
  deny?: boolean;
  format: 'text' | 'json';
}

function resourceOf(opts: AclOptions, required: boolean): Pick<AclFilter, 'resourceType' | 'resourceName'> {
  const given = [opts.topic !== undefined, opts.group !== undefined, opts.cluster === true].filter(Boolean).length;
  if (given > 1) throw new InvalidConfigError('name one resource: --topic, --group or --cluster');
  if (opts.topic !== undefined) return { resourceType: 'topic', resourceName: opts.topic };
  if (opts.group !== undefined) return { resourceType: 'group', resourceName: opts.group };
  if (opts.cluster) return { resourceType: 'cluster', resourceName: CLUSTER_RESOURCE_NAME };
  if (required) throw new InvalidConfigError('name the resource: --topic NAME, --group NAME or --cluster');
  return {};
}

function operationsOf(opts: AclOptions): Array<AclEntry['operation']> {
  const check = parseChoice('--operation', ACL_OPERATIONS);
  return (opts.operation ?? []).map((o) => check(o));
}

function addResourceOptions(cmd: Command): Command {
  return addBrokerOption(cmd
    .option('--principal <principal>', 'User:<name>, or * for everyone')
    .option('--topic <name>', 'a topic (a prefix with --prefixed; * for all)')
    .option('--group <id>', 'a consumer group (a prefix with --prefixed; * for all)')
    .option('--cluster', 'the cluster (create topics, idempotent writes, administration)')
    .option('--operation <ops>', `comma-separated: ${ACL_OPERATIONS.join(', ')}`, parseCommaList('--operation'))
    .option('--prefixed', 'the name is a prefix (orders- covers orders-eu, orders-us)')
    .option('--deny', 'a deny rule (deny wins over any allow)'));
}

export function registerAclCommands(program: Command): void {
  const acl = program.command('acl').description('ACLs: who may do what on which topics, groups and the cluster');

  addResourceOptions(acl.command('add').description('add ACL bindings (one per operation)'))
    .action(async (opts: AclOptions) => {
      await (async () => {
        if (!opts.principal) throw new InvalidConfigError('acl add needs --principal');
        const ops = operationsOf(opts);
        if (ops.length === 0) throw new InvalidConfigError('acl add needs --operation');
        const resource = resourceOf(opts, true) as Required<ReturnType<typeof resourceOf>>;
        const entries: AclEntry[] = ops.map((operation) => ({
          principal: opts.principal!, ...resource, patternType: opts.prefixed ? 'prefixed' : 'literal', operation, permission: opts.deny ? 'deny' : 'allow',
        }));
        const created = await withClient(opts, (c) => c.securityAdmin().createAcls(entries));
        process.stderr.write(`added ${created} ACL${created === 1 ? '' : 's'}${created < entries.length ? ` (${entries.length - created} already present)` : ''}\n`);
      })().catch(fail);
    });

  addResourceOptions(acl.command('list').description('list ACL bindings (all, or those matching the options)')
    .option('--format <format>', 'text or json', parseChoice('--format', ['text', 'json'] as const), 'text'))
    .action(async (opts: AclOptions) => {
      await (async () => {
        const acls = await withClient(opts, (c) => c.securityAdmin().describeAcls(filterOf(opts)[0] ?? {}));
        await writeOut(opts.format === 'json' ? `${JSON.stringify(acls)}\n` : listText(acls));
      })().catch(fail);
    });

  addResourceOptions(acl.command('remove').description('remove the ACL bindings matching the options (at least --principal or a resource)'))
    .action(async (opts: AclOptions) => {
      await (async () => {
        const filters = filterOf(opts);
        if (!opts.principal && !resourceOf(opts, false).resourceType) throw new InvalidConfigError('acl remove needs --principal or a resource, so it cannot remove every ACL by accident');
        const deleted = await withClient(opts, (c) => c.securityAdmin().deleteAcls(filters));
        process.stderr.write(`removed ${deleted.length} ACL${deleted.length === 1 ? '' : 's'}\n`);
      })().catch(fail);
    });
}

function filterOf(opts: AclOptions): AclFilter[] {
  const base: AclFilter = {
    ...(opts.principal ? { principal: opts.principal } : {}),
    ...resourceOf(opts, false),
    ...(opts.prefixed ? { patternType: 'prefixed' as const } : {}),
    ...(opts.deny ? { permission: 'deny' as const } : {}),
  };
  const ops = operationsOf(opts);
  return ops.length === 0 ? [base] : ops.map((operation) => ({ ...base, operation }));
}

function listText(acls: AclEntry[]): string {
  if (acls.length === 0) return '(no ACLs)\n';
  return `${table(['PRINCIPAL', 'PERMISSION', 'OPERATION', 'RESOURCE', 'PATTERN', 'NAME'],
    acls.map((a) => [a.principal, a.permission, a.operation, a.resourceType, a.patternType ?? 'literal', a.resourceName]))}\n`;
}
