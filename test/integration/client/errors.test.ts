/**
 * Wire errors come back as the typed classes of proto/errors.ts, through every SDK surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import {
  InvalidRequestError, InvalidTopicNameError, OffsetOutOfRangeError, Strata, TopicAlreadyExistsError, UnknownTopicError,
} from '../../../client/index.js';

let broker: TestBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url });
  await strata.admin().createTopic({ name: 'hundred', partitions: 2 });
  const producer = strata.producer();
  await producer.send({ topic: 'hundred', messages: Array.from({ length: 100 }, (_, i) => ({ value: `r${i}`, partition: 0 })) });
  await producer.close();
});

afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

describe('unknown topics', () => {
  it('producer.send rejects with UnknownTopicError', async () => {
    const producer = strata.producer();
    await expect(producer.send({ topic: 'no-such-topic', messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(UnknownTopicError);
    await producer.close();
  });

  it('producer.send rejects a partition the topic does not have', async () => {
    const producer = strata.producer();
    await expect(producer.send({ topic: 'hundred', messages: [{ value: 'x', partition: 2 }] })).rejects.toBeInstanceOf(UnknownTopicError);
    await producer.close();
  });

  it('consumer.assign rejects with UnknownTopicError, for a whole topic and for a partition', async () => {
    const consumer = strata.consumer();
    await expect(consumer.assign({ topic: 'no-such-topic' })).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(consumer.assign([{ topic: 'no-such-topic', partition: 0, offset: 'earliest' }])).rejects.toBeInstanceOf(UnknownTopicError);
    await consumer.close();
  });

  it('a fetch for a topic that does not exist throws UnknownTopicError to the iterator', async () => {
    const consumer = strata.consumer();
    await consumer.assign([{ topic: 'no-such-topic', partition: 0, offset: 0 }]);
    await expect((async () => { for await (const _ of consumer) return; })()).rejects.toBeInstanceOf(UnknownTopicError);
    await consumer.close();
  });

  it('admin calls reject with UnknownTopicError', async () => {
    const admin = strata.admin();
    await expect(admin.describeTopic('no-such-topic')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.deleteTopic('no-such-topic')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.listOffsets('no-such-topic', 0, 'latest')).rejects.toBeInstanceOf(UnknownTopicError);
  });
});

describe('admin errors', () => {
  it('creating an existing topic gives TopicAlreadyExistsError; a bad name InvalidTopicNameError', async () => {
    const admin = strata.admin();
    await expect(admin.createTopic({ name: 'hundred' })).rejects.toBeInstanceOf(TopicAlreadyExistsError);
    await expect(admin.createTopic({ name: 'bad/name' })).rejects.toBeInstanceOf(InvalidTopicNameError);
    const results = await admin.createTopics([{ name: 'fresh' }, { name: 'hundred' }]);
    expect(results[0]).toEqual({ name: 'fresh', error: null });
    expect(results[1]!.error).toBeInstanceOf(TopicAlreadyExistsError);
    expect(await admin.listTopics()).toEqual(['fresh', 'hundred']);
    await admin.deleteTopic('fresh');
    expect(await admin.listTopics()).toEqual(['hundred']);
  });

  it('listOffsets answers earliest, latest and by timestamp', async () => {
    const admin = strata.admin();
    expect((await admin.listOffsets('hundred', 0, 'earliest')).offset).toBe(0);
    expect((await admin.listOffsets('hundred', 0, 'latest')).offset).toBe(100);
    expect((await admin.listOffsets('hundred', 0, 0)).offset).toBe(0);
    expect((await admin.listOffsets('hundred', 0, Date.now() + 3_600_000)).offset).toBe(-1);
  });
});

describe('offsets out of range', () => {
  it('throws OffsetOutOfRangeError with the valid range to the iterator, then reads after a seek', async () => {
    const consumer = strata.consumer({ decode: 'utf8' });
    const tp = { topic: 'hundred', partition: 0 };
    await consumer.assign([{ ...tp, offset: 1000 }]);
    let caught: unknown;
    try {
      for await (const _ of consumer) break;
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OffsetOutOfRangeError);
    const err = caught as OffsetOutOfRangeError;
    expect([err.topic, err.partition, err.offset, err.logStartOffset, err.logEndOffset]).toEqual(['hundred', 0, 1000, 0, 100]);
    expect(err.retriable).toBe(false);
    // Not skipped silently: the position is where it was.
    expect(consumer.position(tp)).toBe(1000);
    await consumer.seek(tp, 95);
    const values: string[] = [];
    for await (const r of consumer) {
      values.push(r.value!);
      if (values.length === 5) break;
    }
    expect(values).toEqual(['r95', 'r96', 'r97', 'r98', 'r99']);
    await consumer.close();
  });

  it('rejects offsets that are not non-negative safe integers before asking the broker', async () => {
    const consumer = strata.consumer();
    await expect(consumer.assign([{ topic: 'hundred', partition: 0, offset: -1 }])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(consumer.assign([{ topic: 'hundred', partition: 0, offset: 2 ** 53 }])).rejects.toBeInstanceOf(InvalidRequestError);
    await consumer.assign([{ topic: 'hundred', partition: 0, offset: 0 }]);
    await expect(consumer.seek({ topic: 'hundred', partition: 0 }, 1.5)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(() => consumer.position({ topic: 'hundred', partition: 1 })).toThrow(InvalidRequestError);
    await consumer.close();
  });
});
