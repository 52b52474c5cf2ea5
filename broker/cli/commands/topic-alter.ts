/**
 * `strata topic alter NAME --set key=value ... [--delete key ...] [--dry-run]`: changes a topic's
 * settings live, by Kafka's names (`retention.ms`, `segment.bytes`, `cleanup.policy`...), as
 * `kafka-configs --alter --add-config/--delete-config` does. The broker validates the whole
 * change before it applies any of it and persists it atomically in topics.json.
 */
import type { Command } from 'commander';
import type { TopicSettingDescription } from '../../../client/index.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail } from '../output.js';

/** `--set key=value`, repeatable; the value may itself contain '='. */
function collectSetting(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new InvalidConfigError(`--set takes key=value, got '${raw}'`);
  const key = raw.slice(0, eq).trim();
  if (key in previous) throw new InvalidConfigError(`--set ${key} is given twice`);
  return { ...previous, [key]: raw.slice(eq + 1) };
}

function collectName(raw: string, previous: string[] = []): string[] {
  if (raw.trim() === '') throw new InvalidConfigError('--delete takes a setting name');
  return [...previous, raw.trim()];
}

export function registerTopicAlterCommand(topic: Command): void {
  addBrokerOption(topic.command('alter <name>')
    .description('change topic settings live (Kafka names: retention.ms, segment.bytes, cleanup.policy...)')
    .option('--set <key=value>', 'give a setting a new value (repeatable)', collectSetting)
    .option('--delete <key>', 'send a setting back to the broker\'s value (repeatable)', collectName)
    .option('--dry-run', 'validate on the broker, change nothing', false))
    .action(async (name: string, opts: BrokerOption & { set?: Record<string, string>; delete?: string[]; dryRun: boolean }) => {
      await withClient(opts, async (client) => {
        if (!opts.set && !opts.delete) throw new InvalidConfigError('nothing to alter: give --set key=value or --delete key');
        await client.admin().alterTopicConfig(name, { set: opts.set, delete: opts.delete, validateOnly: opts.dryRun });
        const what = [...Object.keys(opts.set ?? {}).map((k) => `set ${k}`), ...(opts.delete ?? []).map((k) => `deleted ${k}`)];
        process.stderr.write(`${opts.dryRun ? 'would alter' : 'altered'} topic ${name}: ${what.join(', ')}\n`);
      }).catch(fail);
    });
}

/** The settings table of `topic describe`: every setting, its value and where it comes from. */
export function settingsRows(settings: readonly TopicSettingDescription[]): string[][] {
  return settings.map((s) => [s.name, s.value, s.readOnly ? `${s.source} (read-only)` : s.source]);
}
