/**
 * Committed offsets against a broker child process killed with SIGKILL while commits are in
 * flight: every commit that was acknowledged is there after the restart (the broker answers
 * only once the offsets record is fsync'ed), and nothing that was never sent appears.
 */
import { afterEach, expect, it } from 'vitest';
import { Connection } from '../../../client/connection.js';
import { Strata } from '../../../client/index.js';
import { commitOffsets, fetchOffsets } from '../../../client/group/group-requests.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

const PARTITIONS = 4;
let broker: BrokerProcess | null = null;
let dataDir = '';

afterEach(async () => {
  await broker?.kill();
  if (dataDir) await removeDir(dataDir);
});

function connect(url: string): Connection {
  return new Connection({
    url, clientId: 'kill9', connectTimeoutMs: 5_000, requestTimeoutMs: 5_000, inFlightRequestsMax: 32, queuedRequestsMax: 100,
  });
}

it('acknowledged commits survive kill -9 of the broker', async () => {
  broker = await startBrokerProcess(['--flush', 'always']);
  dataDir = broker.dataDir;
  const setup = new Strata({ brokers: broker.url });
  await setup.admin().createTopic({ name: 'k', partitions: PARTITIONS });
  await setup.close();

  const conn = connect(broker.url);
  await conn.connect();
  const acked = new Array<number>(PARTITIONS).fill(-1);
  const sent = new Array<number>(PARTITIONS).fill(-1);
  // One commit stream per partition, each offset larger than the last; kill lands mid-stream.
  const streams = Array.from({ length: PARTITIONS }, async (_, partition) => {
    for (let offset = 1; ; offset++) {
      sent[partition] = offset;
      try {
        const failures = await commitOffsets(conn, 'survivor', '', -1, [{ topic: 'k', partition, offset }]);
        expect(failures).toEqual([]);
      } catch {
        return; // the broker died under this commit: it may or may not have landed
      }
      acked[partition] = offset;
    }
  });
  while (acked.some((o) => o < 50)) await new Promise((r) => setTimeout(r, 5));
  await broker.kill();
  await Promise.all(streams);
  await conn.close();

  broker = await startBrokerProcess([], dataDir);
  const after = connect(broker.url);
  const fetched = await fetchOffsets(after, 'survivor', []);
  await after.close();
  expect(fetched).toHaveLength(PARTITIONS);
  for (const f of fetched) {
    expect(f.offset).toBeGreaterThanOrEqual(acked[f.partition]!);
    expect(f.offset).toBeLessThanOrEqual(sent[f.partition]!);
  }
  console.log(`kill -9: acknowledged ${JSON.stringify(acked)}, recovered ${JSON.stringify(fetched.map((f) => f.offset))}`);
});
