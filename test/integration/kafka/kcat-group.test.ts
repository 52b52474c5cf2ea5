/**
 * kcat -G: a balanced consumer group of two kcat processes over a 6-partition topic. Each gets
 * three partitions, every record is read exactly once, and a member started after both stopped
 * resumes from the offsets they committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { eventually, kcat, kcatProcess, startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker();
});

afterAll(async () => {
  await broker?.close();
});

async function describeGroup(group: string): Promise<{ state: string; members: Array<{ memberId: string; assignment: unknown[] }> }> {
  const res = await runCli(['group', 'describe', group, '--format', 'json', '--broker', broker.url]);
  return res.code === 0 ? JSON.parse(res.stdout) : { state: 'none', members: [] };
}

describe('kcat balanced consumer group', () => {
  it('splits 6 partitions between two members, reads each record once, and resumes from commits', async () => {
    expect((await runCli(['topic', 'create', 'six', '--partitions', '6', '--broker', broker.url])).code).toBe(0);
    const args = ['-u', '-G', 'pair', '-X', 'auto.offset.reset=earliest', '-q', '-f', '%p %o %s\\n', 'six'];
    const a = kcatProcess(broker.bootstrap, args);
    const b = kcatProcess(broker.bootstrap, args);
    try {
      await eventually('a stable group of two', async () => {
        const d = await describeGroup('pair');
        return d.state === 'stable' && d.members.length === 2 && d.members.every((m) => m.assignment.length === 3);
      });
      // 20 records into each partition (keyless records would stick to one partition a while).
      const first = Array.from({ length: 120 }, (_, i) => `first-${i}`);
      for (let p = 0; p < 6; p++) {
        const mine = first.filter((_, i) => i % 6 === p);
        expect((await kcat(broker.bootstrap, ['-P', '-t', 'six', '-p', String(p)], `${mine.join('\n')}\n`)).code).toBe(0);
      }
      await eventually('every record consumed', () => lines(a.output()).length + lines(b.output()).length >= first.length);
      const aParts = partitions(a.output());
      const bParts = partitions(b.output());
      expect(aParts.size + bParts.size).toBe(6);
      expect([...aParts].filter((p) => bParts.has(p))).toEqual([]);
      expect(values(a.output(), b.output())).toEqual([...first].sort());
    } finally {
      await a.stop();
      await b.stop();
    }
    // Both left, their offsets committed: a new member reads only what came after.
    const second = Array.from({ length: 30 }, (_, i) => `second-${i}`);
    await kcat(broker.bootstrap, ['-P', '-t', 'six'], `${second.join('\n')}\n`);
    const c = kcatProcess(broker.bootstrap, args);
    try {
      await c.waitForLines(second.length);
      await new Promise((r) => setTimeout(r, 300));
      expect(values(c.output())).toEqual([...second].sort());
    } finally {
      await c.stop();
    }
  });
});

function lines(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

function partitions(out: string): Set<string> {
  return new Set(lines(out).map((l) => l.split(' ')[0]!));
}

function values(...outs: string[]): string[] {
  return outs.flatMap(lines).map((l) => l.split(' ')[2]!).sort();
}
