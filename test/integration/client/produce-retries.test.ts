/**
 * How many times a produce batch is retried, against the real broker: until its delivery
 * deadline by default (Kafka's retries=MAX with delivery.timeout.ms), or the count the
 * application gave. Faults go through the SDK's socket seam: the first `n` produce responses
 * are dropped and their connection killed, so each attempt fails with ConnectionClosedError
 * (retriable) after the broker wrote the batch once and recognised every retry as a duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { losingProduceResponses } from '../../helpers/lossy-socket.js';
import { ConnectionClosedError, Strata } from '../../../client/index.js';
import { RETRIES_DEFAULT } from '../../../client/constants.js';

let broker: TestBroker;

beforeAll(async () => { broker = await startTestBroker(); });
afterAll(async () => { await broker?.stop(); });

/** Short backoffs keep the test fast; `retries` is left out unless the case gives it. */
const FAST = { initialRetryTimeMs: 5, maxRetryTimeMs: 20 };

describe('produce retries', () => {
  it('retry a batch past the request retry count until it is acknowledged, when retries is not given', async () => {
    const lost = RETRIES_DEFAULT + 4;
    const faults = losingProduceResponses((n) => n <= lost);
    const strata = new Strata({ brokers: broker.url, socketFactory: faults.factory, retry: FAST });
    try {
      await strata.admin().createTopic({ name: 'retries-unbounded', partitions: 1 });
      const producer = strata.producer({ lingerMs: 0 });
      const [m] = await producer.send({ topic: 'retries-unbounded', messages: [{ value: 'once' }] });
      expect(faults.dropped()).toBe(lost);
      // Written on the first attempt; every retry was answered as its duplicate.
      expect(m!.offset).toBe(0);
      expect((await strata.admin().listOffsets('retries-unbounded', 0, 'latest')).offset).toBe(1);
    } finally {
      await strata.close();
    }
  });

  it('stop after the retries the application gave, with the last failure as cause', async () => {
    const faults = losingProduceResponses((n) => n <= 100);
    const strata = new Strata({ brokers: broker.url, socketFactory: faults.factory, retry: { ...FAST, retries: 3 } });
    try {
      await strata.admin().createTopic({ name: 'retries-bounded', partitions: 1 });
      const producer = strata.producer({ lingerMs: 0 });
      const err = await producer.send({ topic: 'retries-bounded', messages: [{ value: 'x' }] }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect((err as Error).message).toMatch(/gave up after 4 attempts/);
      expect((err as Error).cause).toBeInstanceOf(ConnectionClosedError);
      expect(faults.dropped()).toBe(4);
    } finally {
      await strata.close();
    }
  });
});
