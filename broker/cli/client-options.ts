/**
 * The options every broker-facing command shares (`--broker`, and the login: `--user`,
 * `--password` or $STRATA_PASSWORD, `--sasl-mechanism`), and opening an SDK client with them.
 * The CLI is a user of the public SDK, nothing more: what it can do, a program can.
 *
 * TLS (`--broker wss://...`): `--tls-ca FILE` is the CA the broker's certificate must chain to
 * (default: the system's), `--tls-cert FILE --tls-key FILE` the client certificate for brokers
 * that require one (started with --tls-ca).
 *
 * The password is better given through $STRATA_PASSWORD than --password: a flag shows in `ps`
 * and in shell history.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Strata, type SaslOptions, type ScramMechanism, type TlsOptions } from '../../client/index.js';
import { InvalidConfigError } from '../../proto/errors.js';
import { SCRAM_MECHANISM_NAMES } from '../../proto/sasl/scram-mechanisms.js';
import { parseChoice } from './args.js';

export const BROKER_URL_DEFAULT = 'ws://127.0.0.1:7171';
export const PASSWORD_ENV = 'STRATA_PASSWORD';
export const TLS_CA_ENV = 'STRATA_TLS_CA';

/** Fails fast when the broker is not there, rather than retrying for the SDK's default time. */
const CLI_CONNECT_TIMEOUT_MS = 5_000;
const CLI_RETRIES = 2;

export interface BrokerOption {
  broker: string;
  user?: string;
  password?: string;
  saslMechanism?: ScramMechanism;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function addBrokerOption(cmd: Command): Command {
  return cmd
    .option('--broker <url>', 'broker WebSocket URL (env STRATA_BROKER)', process.env.STRATA_BROKER ?? BROKER_URL_DEFAULT)
    .option('--user <name>', 'log in as this user (SASL SCRAM; brokers started with --auth scram)')
    .option('--password <password>', `the user's password (better: env ${PASSWORD_ENV}, which ps does not show)`)
    .option('--sasl-mechanism <mechanism>', `${SCRAM_MECHANISM_NAMES.join(' or ')} (default SCRAM-SHA-512)`,
      parseChoice('--sasl-mechanism', SCRAM_MECHANISM_NAMES))
    .option('--tls-ca <file>', 'PEM CA the broker\'s certificate must chain to (wss:// brokers; env STRATA_TLS_CA; default: the system\'s CAs)',
      process.env[TLS_CA_ENV])
    .option('--tls-cert <file>', 'PEM client certificate, for brokers that require one (mutual TLS); needs --tls-key')
    .option('--tls-key <file>', 'PEM private key of --tls-cert');
}

function readPemFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidConfigError(`${flag} ${path}: ${(err as Error).message}`);
  }
}

/** The TLS the options ask for, or undefined for the SDK's default (system CAs, no client certificate). */
export function tlsOf(opts: BrokerOption): TlsOptions | undefined {
  if (opts.tlsCa === undefined && opts.tlsCert === undefined && opts.tlsKey === undefined) return undefined;
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new InvalidConfigError('--tls-cert and --tls-key go together');
  if (!opts.broker.startsWith('wss://')) throw new InvalidConfigError(`--tls-* options need a wss:// broker URL, got ${opts.broker}`);
  return {
    ...(opts.tlsCa !== undefined ? { ca: readPemFile('--tls-ca', opts.tlsCa) } : {}),
    ...(opts.tlsCert !== undefined ? { cert: readPemFile('--tls-cert', opts.tlsCert) } : {}),
    ...(opts.tlsKey !== undefined ? { key: readPemFile('--tls-key', opts.tlsKey) } : {}),
  };
}

/** The login the options ask for, or undefined for none. */
export function saslOf(opts: BrokerOption): SaslOptions | undefined {
  if (opts.user === undefined) {
    if (opts.password !== undefined) throw new InvalidConfigError('--password needs --user');
    return undefined;
  }
  const password = opts.password ?? process.env[PASSWORD_ENV];
  if (!password) throw new InvalidConfigError(`--user ${opts.user} needs a password: set ${PASSWORD_ENV} (or pass --password)`);
  return { mechanism: opts.saslMechanism ?? 'SCRAM-SHA-512', username: opts.user, password };
}

export function openClient(opts: BrokerOption): Strata {
  const sasl = saslOf(opts);
  const tls = tlsOf(opts);
  return new Strata({
    brokers: opts.broker,
    clientId: 'strata-cli',
    connectTimeoutMs: CLI_CONNECT_TIMEOUT_MS,
    retry: { retries: CLI_RETRIES },
    ...(sasl ? { sasl } : {}),
    ...(tls ? { tls } : {}),
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
