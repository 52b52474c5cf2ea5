/**
 * A member that dies without leaving: one killed with SIGKILL (its socket closes with the
 * process), one frozen with SIGSTOP (socket open, heartbeats stop). Either way the broker evicts
 * it after its session timeout, the others take its partitions from its last commit, no record
 * is skipped, and only records after that commit are read twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { fill, Ledger, startMember, until } from './group-helpers.js';

const MEMBER_SCRIPT = fileURLToPath(new URL('./member-process.mjs', import.meta.url));
const SESSION_MS = 1_000;
const PARTITIONS = 6;
const PER_PARTITION = 300;

let broker: TestBroker;
let strata: Strata;
const children: ChildProcess[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await strata?.close();
});

afterAll(async () => {
  await broker?.stop();
});

/** Starts a member process; its printed records go into `ledger` as member 'child'. */
function spawnMember(group: string, topic: string, ledger: Ledger): { child: ChildProcess; partitions: Promise<number[]> } {
  const child = spawn(process.execPath, [MEMBER_SCRIPT, broker.url, group, topic, String(SESSION_MS), 'cooperative-sticky', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  let buffered = '';
  const partitions = new Promise<number[]>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`member process exited (${code ?? signal}): ${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)) as number[]);
        else if (line.length > 0) {
          const [p, o] = line.split(':').map(Number);
          ledger.record('child', p!, o!);
        }
      }
    });
  });
  return { child, partitions };
}

describe.each([['SIGKILL', 'killed'], ['SIGSTOP', 'frozen']] as const)('a member %s', (signal, how) => {
  it(`that is ${how} loses its partitions after the session timeout; nothing skipped, re-reads only after its last commit`, async () => {
    strata = new Strata({ brokers: broker.url });
    const topic = `crash-${how}`;
    const group = `crash-${how}`;
    await strata.admin().createTopic({ name: topic, partitions: PARTITIONS });
    await fill(strata, topic, PARTITIONS, PER_PARTITION);
    const ledger = new Ledger();
    const { child, partitions } = spawnMember(group, topic, ledger);
    await partitions;
    // Two in-process members join; a cooperative rebalance leaves the child with two partitions.
    const opts = { groupId: group, sessionTimeoutMs: SESSION_MS, autoCommitIntervalMs: 50 };
    const a = startMember(strata, 'a', topic, ledger, opts);
    const b = startMember(strata, 'b', topic, ledger, opts);
    await Promise.all([a.subscribed, b.subscribed]);
    const ga = strata.groupAdmin();
    await until(() => a.member.consumer.assignment().length === 2 && b.member.consumer.assignment().length === 2, 5_000, 'two partitions each');
    const taken = new Set([...a.member.consumer.assignment(), ...b.member.consumer.assignment()].map((tp) => tp.partition));
    const childPartitions = [0, 1, 2, 3, 4, 5].filter((p) => !taken.has(p));
    expect(childPartitions).toHaveLength(2);
    // Let the child get part-way through its partitions, then stop it dead.
    await until(() => (ledger.byMember.get('child') ?? 0) >= 100, 10_000, 'the child to read');
    child.kill(signal);
    const stoppedAt = Date.now();
    const atDeath = await ga.fetchOffsets(group, childPartitions.map((partition) => ({ topic, partition })));
    const committedAtDeath = new Map(atDeath.map((c) => [c.partition, c.offset]));
    const readByChild = ledger.byMember.get('child')!;

    await ledger.complete(PARTITIONS, PER_PARTITION, 15_000);
    const takeoverMs = Date.now() - stoppedAt;
    expect(ledger.missing(PARTITIONS, PER_PARTITION)).toEqual([]);
    // Duplicates: only on the child's partitions, and only after its last commit.
    for (const d of ledger.duplicates()) {
      expect(childPartitions).toContain(d.partition);
      expect(d.offset).toBeGreaterThanOrEqual(committedAtDeath.get(d.partition)!);
    }
    expect((await ga.describeGroup(group)).members).toHaveLength(2);
    console.log(`${how} member: read ${readByChild} records, committed ${JSON.stringify([...committedAtDeath])}, `
      + `${ledger.duplicates().length} re-read after its last commit, everything consumed ${takeoverMs} ms after the ${signal}`);
    await a.member.consumer.close();
    await b.member.consumer.close();
  });
});
