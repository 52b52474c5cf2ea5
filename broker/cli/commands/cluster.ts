/**
 * `strata cluster info [--format json]`: brokers (id, URL, alive), the controller, and per
 * partition its leader, epoch, replicas, ISR and high watermark (each leader asked for its own).
 */
import type { Command } from 'commander';
import { parseChoice } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';

const formatOption = parseChoice('--format', ['text', 'json'] as const);

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('the cluster as its brokers see it');
  addBrokerOption(cluster.command('info')
    .description('brokers, controller, and every partition\'s leader, epoch, replicas, ISR and high watermark')
    .option('--topic <name>', 'only this topic (default: every topic)')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (opts: BrokerOption & { topic?: string; format: 'text' | 'json' }) => {
      await withClient(opts, async (client) => {
        const info = await client.admin().clusterInfo(opts.topic ? [opts.topic] : []);
        if (opts.format === 'json') {
          await writeOut(`${JSON.stringify({ ...info, topics: info.topics.map((t) => ({ ...t, error: t.error ? t.error.name : null })) })}\n`);
          return;
        }
        const lines = [`mode ${info.mode}, controller ${info.controllerId}, answered by broker ${info.nodeId}`, '', 'BROKER  ALIVE  URL'];
        for (const b of info.brokers) lines.push(`${String(b.nodeId).padEnd(7)} ${(b.alive ? 'yes' : 'no').padEnd(6)} ${b.url}`);
        lines.push('', 'TOPIC/PARTITION            LEADER  EPOCH  REPLICAS  ISR      HW');
        for (const t of info.topics) {
          if (t.error) {
            lines.push(`${t.name}: ${t.error.name}: ${t.error.message}`);
            continue;
          }
          for (const p of t.partitions) {
            lines.push(`${`${t.name}/${p.partition}`.padEnd(26)} ${String(p.leader).padEnd(7)} ${String(p.leaderEpoch).padEnd(6)} ${p.replicas.join(',').padEnd(9)} ${p.isr.join(',').padEnd(8)} ${p.highWatermark}`);
          }
        }
        await writeOut(`${lines.join('\n')}\n`);
      }).catch(fail);
    });
}
