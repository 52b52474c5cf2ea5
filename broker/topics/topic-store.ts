/**
 * topics.json: the broker's list of topics, the one file under dataDir the topic layer owns
 * (partition directories belong to storage).
 *
 * Layout (UTF-8 JSON, rewritten whole on every change through writeFileAtomic):
 *
 *   { "version": 1,
 *     "topics": [ { "name": "orders", "partitions": 3, "config": { "retentionMs": 86400000 },
 *                   "createdAtMs": 1700000000000 } ] }
 *
 * `config` holds only the topic's overrides (see topic-config.ts). A missing file is an empty
 * broker. A file that does not parse is refused (CorruptLogError) rather than treated as empty,
 * because starting without it would silently orphan every partition directory.
 *
 * Concurrency: mutations are serialized on an internal promise chain; each write persists the
 * in-memory state at the moment it runs. A failed write undoes its own change and rejects.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptLogError, StorageError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { removeStrayTemp, writeFileAtomic } from './atomic-file.js';
import { parseStoredOverrides, type TopicOverrides } from './topic-config.js';
import { validateTopicName } from './topic-name.js';

export const TOPICS_FILE = 'topics.json';
const FORMAT_VERSION = 1;

export interface StoredTopic {
  readonly name: string;
  readonly partitions: number;
  readonly config: TopicOverrides;
  readonly createdAtMs: number;
}

export class TopicStore {
  readonly path: string;
  private readonly topics = new Map<string, StoredTopic>();
  private chain: Promise<void> = Promise.resolve();

  private constructor(path: string, private readonly logger: Logger) {
    this.path = path;
  }

  /** Loads topics.json from `dataDir` (removing a stray temp file first). */
  static async open(dataDir: string, logger: Logger): Promise<TopicStore> {
    const store = new TopicStore(join(dataDir, TOPICS_FILE), logger);
    if (await removeStrayTemp(store.path)) logger.warn({ file: store.path }, 'removed temp file of an interrupted topics.json write');
    let text: string;
    try {
      text = await readFile(store.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw new StorageError(`cannot read ${store.path}`, { cause: err });
    }
    for (const topic of parseTopicsFile(text, store.path)) store.topics.set(topic.name, topic);
    return store;
  }

  get size(): number {
    return this.topics.size;
  }

  get(name: string): StoredTopic | undefined {
    return this.topics.get(name);
  }

  list(): StoredTopic[] {
    return [...this.topics.values()];
  }

  /** Adds a topic and persists; rejects (and forgets the topic) if the write fails. */
  add(topic: StoredTopic): Promise<void> {
    this.topics.set(topic.name, topic);
    return this.persist(() => this.topics.delete(topic.name));
  }

  /** Removes a topic and persists; rejects (and restores the topic) if the write fails. */
  remove(name: string): Promise<void> {
    const old = this.topics.get(name);
    if (!old) return Promise.resolve();
    this.topics.delete(name);
    return this.persist(() => this.topics.set(name, old));
  }

  /** Resolves once every write queued so far has finished. */
  async settled(): Promise<void> {
    await this.chain;
  }

  private persist(undo: () => void): Promise<void> {
    const run = this.chain.then(async () => {
      try {
        await writeFileAtomic(this.path, this.serialize());
      } catch (err) {
        undo();
        this.logger.error({ err, file: this.path }, 'topics.json write failed');
        throw new StorageError(`cannot write ${this.path}`, { cause: err });
      }
    });
    // The chain must keep going after a failed write; the caller still sees the rejection.
    this.chain = run.catch(() => undefined);
    return run;
  }

  private serialize(): string {
    const topics = [...this.topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return JSON.stringify({ version: FORMAT_VERSION, topics }, null, 2) + '\n';
  }
}

function parseTopicsFile(text: string, path: string): StoredTopic[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CorruptLogError(`${path} is not valid JSON`, { cause: err });
  }
  const root = doc as { version?: unknown; topics?: unknown };
  if (!root || typeof root !== 'object' || root.version !== FORMAT_VERSION || !Array.isArray(root.topics)) {
    throw new CorruptLogError(`${path} is not a version ${FORMAT_VERSION} topics file`);
  }
  const out: StoredTopic[] = [];
  const seen = new Set<string>();
  for (const raw of root.topics as unknown[]) {
    const t = (raw ?? {}) as Record<string, unknown>;
    const bad = (why: string, cause?: unknown): never => {
      throw new CorruptLogError(`${path} has an invalid topic entry ${JSON.stringify(t.name)}: ${why}`, { cause });
    };
    try {
      validateTopicName(t.name);
    } catch (err) {
      bad('bad name', err);
    }
    const name = t.name as string;
    if (seen.has(name)) bad('listed twice');
    if (typeof t.partitions !== 'number' || !Number.isSafeInteger(t.partitions) || t.partitions < 1) bad('bad partition count');
    let config: TopicOverrides = {};
    try {
      config = parseStoredOverrides(t.config, name);
    } catch (err) {
      bad('bad config', err);
    }
    const createdAtMs = typeof t.createdAtMs === 'number' ? t.createdAtMs : 0;
    out.push({ name, partitions: t.partitions as number, config, createdAtMs });
    seen.add(name);
  }
  return out;
}
