/**
 * Static membership over the Kafka wire: two kcat (librdkafka) members with a
 * group.instance.id each. librdkafka sends no LeaveGroup for a static member on close, so a
 * member restarted with the same instance id within the session timeout gets its partitions
 * back in the same generation: the group does not rebalance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { eventually, kcatProcess, startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker();
});

afterAll(async () => {
  await broker?.close();
});

interface Described { state: string; generationId: number; members: Array<{ memberId: string; assignment: Array<{ partition: number }> }> }

async function describeGroup(group: string): Promise<Described> {
  const res = await runCli(['group', 'describe', group, '--format', 'json', '--broker', broker.url]);
  return res.code === 0 ? JSON.parse(res.stdout) : { state: 'none', generationId: -1, members: [] };
}

function args(instance: string): string[] {
  return ['-u', '-G', 'statics', '-X', `group.instance.id=${instance}`, '-X', 'session.timeout.ms=8000',
    '-X', 'auto.offset.reset=earliest', '-q', '-f', '%p %o %s\\n', 'four'];
}

describe('kcat static members', () => {
  it('a kcat restarted with its group.instance.id gets its partitions back without a rebalance', async () => {
    expect((await runCli(['topic', 'create', 'four', '--partitions', '4', '--broker', broker.url])).code).toBe(0);
    const a = kcatProcess(broker.bootstrap, args('ka'));
    const b = kcatProcess(broker.bootstrap, args('kb'));
    let a2: ReturnType<typeof kcatProcess> | null = null;
    try {
      let stable: Described | null = null;
      await eventually('a stable group of two', async () => {
        const d = await describeGroup('statics');
        stable = d;
        return d.state === 'stable' && d.members.length === 2 && d.members.every((m) => m.assignment.length === 2);
      });
      const before = stable!;
      await a.stop();
      const afterStop = await describeGroup('statics');
      expect(afterStop.members).toHaveLength(2); // no LeaveGroup: ka's place is kept
      a2 = kcatProcess(broker.bootstrap, args('ka'));
      await eventually('ka back under a new member id', async () => {
        const d = await describeGroup('statics');
        return d.members.length === 2 && d.members.some((m) => !before.members.some((o) => o.memberId === m.memberId));
      });
      const after = await describeGroup('statics');
      expect(after.state).toBe('stable');
      expect(after.generationId).toBe(before.generationId);
      const parts = (d: Described): number[][] => d.members.map((m) => m.assignment.map((tp) => tp.partition).sort()).sort();
      expect(parts(after)).toEqual(parts(before));
    } finally {
      await a.stop();
      await b.stop();
      await a2?.stop();
    }
  });
});
