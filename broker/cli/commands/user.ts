/**
 * `strata user create|list|delete`: SCRAM users, through a running broker (--broker, the
 * default) or, to bootstrap the first administrator before any broker runs, straight in a data
 * directory (--data-dir DIR), as `kafka-storage format --add-scram` does. The data-dir form
 * takes the directory's broker lock while it writes, so it refuses to run beside a live broker
 * (whose in-memory copy would not see the change); use --broker then.
 *
 * The password comes from stdin with --password-stdin (one line; a trailing newline is not part
 * of it), else from a prompt when stdin is a terminal. It is never a flag: flags show in `ps`
 * and shell history.
 */
import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ScramMechanism, UserDescription } from '../../../client/index.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { SCRAM_ITERATIONS_DEFAULT, SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN, SCRAM_MECHANISM_NAMES } from '../../../proto/sasl/scram-mechanisms.js';
import { DataDirLock } from '../../data-dir-lock.js';
import { FileCredentialStore } from '../../security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../security/scram-credential.js';
import { parseChoice, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';
import { table } from './topic.js';

/** Longest password read from stdin; SCRAM has no limit, but a runaway pipe should not be read whole. */
const PASSWORD_BYTES_MAX = 1_024;

interface Target extends BrokerOption {
  dataDir?: string;
}

interface CreateOptions extends Target {
  passwordStdin?: boolean;
  mechanism: ScramMechanism;
  iterations: number;
  replace?: boolean;
}

const mechanismOption = parseChoice('--mechanism', SCRAM_MECHANISM_NAMES);

function parseIterations(raw: string): number {
  const n = parsePositiveInt('--iterations')(raw);
  if (n < SCRAM_ITERATIONS_MIN || n > SCRAM_ITERATIONS_MAX) {
    throw new InvalidConfigError(`--iterations must be in [${SCRAM_ITERATIONS_MIN}, ${SCRAM_ITERATIONS_MAX}], got ${n}`);
  }
  return n;
}

function addTarget(cmd: Command): Command {
  return addBrokerOption(cmd.option('--data-dir <dir>', 'change the data directory directly (no broker may be running on it) instead of going through --broker'));
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('SCRAM users: create, list, delete');

  addTarget(user.command('create <name>')
    .description('create a user (SCRAM credential: salted, 4096+ PBKDF2 iterations; the password is never stored)')
    .option('--password-stdin', 'read the password from stdin (one line)')
    .option('--mechanism <mechanism>', SCRAM_MECHANISM_NAMES.join(' or '), mechanismOption, 'SCRAM-SHA-512')
    .option('--iterations <n>', `PBKDF2 iterations (default ${SCRAM_ITERATIONS_DEFAULT})`, parseIterations, SCRAM_ITERATIONS_DEFAULT)
    .option('--replace', 'replace the user\'s credential for this mechanism (change the password)'))
    .action(async (name: string, opts: CreateOptions) => {
      await createUser(name, opts).catch(fail);
    });

  addTarget(user.command('list')
    .description('list users and their mechanisms')
    .option('--format <format>', 'text or json', parseChoice('--format', ['text', 'json'] as const), 'text'))
    .action(async (opts: Target & { format: 'text' | 'json' }) => {
      await (async () => {
        const users = opts.dataDir ? listFromDir(await withDataDir(opts.dataDir, async (s) => s.list())) : await withClient(opts, (c) => c.securityAdmin().listUsers());
        await writeOut(opts.format === 'json' ? `${JSON.stringify(users)}\n` : listText(users));
      })().catch(fail);
    });

  addTarget(user.command('delete <name>')
    .description('delete a user (all mechanisms unless --mechanism)')
    .option('--mechanism <mechanism>', 'delete only this mechanism\'s credential', mechanismOption))
    .action(async (name: string, opts: Target & { mechanism?: ScramMechanism }) => {
      await (async () => {
        if (opts.dataDir) await withDataDir(opts.dataDir, (s) => s.delete(name, opts.mechanism));
        else await withClient(opts, (c) => c.securityAdmin().deleteUser(name, opts.mechanism));
        process.stderr.write(`deleted user ${name}\n`);
      })().catch(fail);
    });
}

async function createUser(name: string, opts: CreateOptions): Promise<void> {
  const password = await readPassword(opts.passwordStdin ?? false);
  if (opts.dataDir) {
    const credential = scramCredentialFromPassword({ mechanism: opts.mechanism, password, iterations: opts.iterations });
    await mkdir(opts.dataDir, { recursive: true });
    await withDataDir(opts.dataDir, (s) => s.put(name, credential, opts.replace ? 'upsert' : 'create'));
  } else {
    await withClient(opts, (c) => c.securityAdmin().createUser(name, password, {
      mechanism: opts.mechanism, iterations: opts.iterations, replaceExisting: opts.replace ?? false,
    }));
  }
  process.stderr.write(`${opts.replace ? 'stored' : 'created'} user ${name} (${opts.mechanism}, ${opts.iterations} iterations)\n`);
}

/** Runs `fn` on the directory's credential store under its broker lock. */
async function withDataDir<T>(dataDir: string, fn: (store: FileCredentialStore) => Promise<T>): Promise<T> {
  let lock: DataDirLock;
  try {
    lock = await DataDirLock.acquire(dataDir);
  } catch (err) {
    throw new InvalidConfigError(`${(err as Error).message}: with a broker running, use --broker instead of --data-dir`, { cause: err });
  }
  try {
    return await fn(await FileCredentialStore.open(dataDir));
  } finally {
    await lock.release();
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = await readStdinLine();
  } else if (process.stdin.isTTY) {
    password = await promptHidden('Password: ');
  } else {
    throw new InvalidConfigError('no password: pass --password-stdin and write it to stdin (or run in a terminal to be prompted)');
  }
  if (password.length === 0) throw new InvalidConfigError('the password must not be empty');
  return password;
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes > PASSWORD_BYTES_MAX + 2) throw new InvalidConfigError(`the password must be at most ${PASSWORD_BYTES_MAX} bytes`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.replace(/\r?\n$/, '');
  if (line.includes('\n')) throw new InvalidConfigError('the password must be one line');
  return line;
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new InvalidConfigError('cancelled'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function listFromDir(listing: ReturnType<FileCredentialStore['list']>): UserDescription[] {
  return listing.map((u) => ({ name: u.name, credentials: u.credentials.map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })) }));
}

function listText(users: UserDescription[]): string {
  if (users.length === 0) return '(no users)\n';
  return `${table(['USER', 'MECHANISMS'], users.map((u) => [u.name, u.credentials.map((c) => `${c.mechanism}(${c.iterations})`).join(', ')]))}\n`;
}
