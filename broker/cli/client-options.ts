/**
 * The options every broker-facing command shares (`--broker`), and opening an SDK client with
 * them. The CLI is a user of the public SDK, nothing more: what it can do, a program can.
 */
import type { Command } from 'commander';
import { Strata } from '../../client/index.js';

export const BROKER_URL_DEFAULT = 'ws://127.0.0.1:7171';

/** Fails fast when the broker is not there, rather than retrying for the SDK's default time. */
const CLI_CONNECT_TIMEOUT_MS = 5_000;
const CLI_RETRIES = 2;

export interface BrokerOption {
  broker: string;
}

export function addBrokerOption(cmd: Command): Command {
  return cmd.option('--broker <url>', 'broker WebSocket URL (env STRATA_BROKER)', process.env.STRATA_BROKER ?? BROKER_URL_DEFAULT);
}

export function openClient(opts: BrokerOption): Strata {
  return new Strata({
    brokers: opts.broker,
    clientId: 'strata-cli',
    connectTimeoutMs: CLI_CONNECT_TIMEOUT_MS,
    retry: { retries: CLI_RETRIES },
  });
}

/** Runs `fn` with a client and always closes it, so the process can exit on its own. */
export async function withClient<T>(opts: BrokerOption, fn: (client: Strata) => Promise<T>): Promise<T> {
  const client = openClient(opts);
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}
