/**
 * `strata perf produce|consume|e2e`: load generators that print what Kafka's perf tools print,
 * so Strata's numbers read like Kafka's (see perf-produce.ts, perf-consume.ts, perf-e2e.ts).
 */
import type { Command } from 'commander';
import { registerPerfConsumeCommand } from './perf-consume.js';
import { registerPerfE2eCommand } from './perf-e2e.js';
import { registerPerfProduceCommand } from './perf-produce.js';

export function registerPerfCommands(program: Command): void {
  const perf = program.command('perf').description('measure producer throughput, consumer throughput and end-to-end latency');
  registerPerfProduceCommand(perf);
  registerPerfConsumeCommand(perf);
  registerPerfE2eCommand(perf);
}
