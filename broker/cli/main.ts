#!/usr/bin/env node
/**
 * The `strata` command line: broker nodes, topics, produce, consume, perf. Commands that talk to
 * a broker take `--broker URL` (default: $STRATA_BROKER, else ws://127.0.0.1:7171).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBrokerCommands } from './commands/broker-start.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerConsumeCommand } from './commands/consume.js';
import { registerGroupCommands } from './commands/group.js';
import { registerPerfCommands } from './commands/perf.js';
import { registerProduceCommand } from './commands/produce.js';
import { registerTopicCommands } from './commands/topic.js';
import { registerUserCommands } from './commands/user.js';
import { registerAclCommands } from './commands/acl.js';
import { registerQuotaCommands } from './commands/quota.js';
import { EXIT_USAGE, exitQuietlyOnClosedStdout, fail } from './output.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('strata')
    .description('Strata: a partitioned commit-log broker reachable over WebSocket')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerBrokerCommands(program);
  registerTopicCommands(program);
  registerClusterCommands(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerGroupCommands(program);
  registerPerfCommands(program);
  registerUserCommands(program);
  registerAclCommands(program);
  registerQuotaCommands(program);
  return program;
}

exitQuietlyOnClosedStdout();
buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help/version text).
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  fail(err);
});
