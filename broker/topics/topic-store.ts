/**
 * topics.json: the broker's list of topics, the one file under dataDir the topic layer owns
 * (partition directories belong to storage).
 *
 * Layout (UTF-8 JSON, one topic per line, in creation order; rewritten whole on every change
 * through writeFileAtomic):
 *
 *   {"version":1,"topics":[
 *   {"name":"orders","partitions":3,"config":{"retentionMs":86400000},"createdAtMs":1700000000000}
 *   ]}
 *
 * `config` holds only the topic's overrides (see topic-config.ts). An optional
 * `"deleting": ["name", ...]` lists topics whose removal is persisted but whose partition
 * directories may still exist (a crash between the two); the next start finishes those deletes.
 * A missing file is an empty broker. A file that does not parse is refused (CorruptLogError) rather than treated as empty,
 * because starting without it would silently orphan every partition directory.
 *
 * Concurrency: one write runs at a time and persists the in-memory state at the moment it
 * starts; changes made meanwhile ride on the next write together. A failed write undoes the
 * changes it carried and rejects their callers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptLogError, StorageError, UnknownTopicError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { removeStrayTemp, writeFileAtomic } from './atomic-file.js';
import { parseStoredOverrides, type TopicOverrides } from './topic-config.js';
import { validateTopicName } from './topic-name.js';

export const TOPICS_FILE = 'topics.json';
const FORMAT_VERSION = 1;

/** Never changed in place: a change stores a new object (the store caches each one's encoding). */
export interface StoredTopic {
  readonly name: string;
  readonly partitions: number;
  readonly config: TopicOverrides;
  readonly createdAtMs: number;
}

interface QueuedWrite {
  readonly undo: () => void;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class TopicStore {
  readonly path: string;
  private readonly topics = new Map<string, StoredTopic>();
  private readonly deletingNames = new Set<string>();
  /**
   * Each topic's line of the file, made once: the file is rewritten whole on every change, and
   * encoding every topic again for each of them made creating topics one at a time quadratic
   * (10,000 one-request creates spent most of their broker CPU in JSON.stringify).
   */
  private readonly lines = new WeakMap<StoredTopic, string>();
  /** Changes waiting for the next write of the file. */
  private queued: QueuedWrite[] = [];
  /** The write loop while it runs; null when idle. */
  private writing: Promise<void> | null = null;

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
    const parsed = parseTopicsFile(text, store.path);
    for (const topic of parsed.topics) store.topics.set(topic.name, topic);
    for (const name of parsed.deleting) if (!store.topics.has(name)) store.deletingNames.add(name);
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

  /** Names whose deletion was persisted but whose directories may not all be gone yet. */
  deleting(): string[] {
    return [...this.deletingNames];
  }

  isDeleting(name: string): boolean {
    return this.deletingNames.has(name);
  }

  /**
   * Adds a topic and persists; rejects (and forgets the topic) if the write fails. A name still
   * marked as deleting loses the mark in the same write: the caller removed its old directories
   * first, and the next start must not delete the new topic's.
   */
  add(topic: StoredTopic): Promise<void> {
    const wasDeleting = this.deletingNames.delete(topic.name);
    this.topics.set(topic.name, topic);
    return this.persist(() => {
      this.topics.delete(topic.name);
      if (wasDeleting) this.deletingNames.add(topic.name);
    });
  }

  /**
   * Removes a topic and marks it as deleting, in one write; rejects (and restores the topic) if
   * the write fails. Once this resolves the topic is gone for good: a crash before its
   * directories are removed is finished by the next start (see `deleting()`), so no directory
   * is left behind that belongs to no topic.
   */
  remove(name: string): Promise<void> {
    const old = this.topics.get(name);
    if (!old) return Promise.resolve();
    this.topics.delete(name);
    this.deletingNames.add(name);
    return this.persist(() => {
      this.topics.set(name, old);
      this.deletingNames.delete(name);
    });
  }

  /**
   * Replaces a topic's overrides and persists (an alter); rejects, and puts the old overrides
   * back, if the write fails. Throws UnknownTopicError for a topic the store does not hold (it
   * was deleted meanwhile).
   */
  setConfig(name: string, config: TopicOverrides): Promise<void> {
    const old = this.topics.get(name);
    if (!old) return Promise.reject(new UnknownTopicError(`unknown topic ${name}`));
    const next: StoredTopic = { ...old, config };
    this.topics.set(name, next);
    return this.persist(() => {
      // Only undo our own change: a delete (or a later alter) of the topic may have come after it.
      if (this.topics.get(name) === next) this.topics.set(name, old);
    });
  }

  /** Drops the deleting mark once the topic's directories are gone. */
  finishDelete(name: string): Promise<void> {
    if (!this.deletingNames.delete(name)) return Promise.resolve();
    return this.persist(() => this.deletingNames.add(name));
  }

  /** Resolves once every write queued so far has finished. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Queues a write of the whole file. Changes made while a write runs are persisted together by
   * the next one (group commit): creating 10,000 topics is then a handful of writes, not 10,000
   * rewrites of a growing file, each with two fsyncs. A failed write undoes every change it
   * carried, newest first, and rejects each caller.
   */
  private persist(undo: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ undo, resolve, reject });
      this.writing ??= this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const group = this.queued.splice(0);
      try {
        await writeFileAtomic(this.path, this.serialize());
        for (const w of group) w.resolve();
      } catch (err) {
        for (let i = group.length - 1; i >= 0; i--) group[i]!.undo();
        this.logger.error({ err, file: this.path, changes: group.length }, 'topics.json write failed');
        const failure = new StorageError(`cannot write ${this.path}`, { cause: err });
        for (const w of group) w.reject(failure);
      }
    }
    this.writing = null;
  }

  private serialize(): string {
    const out: string[] = [];
    for (const topic of this.topics.values()) {
      let line = this.lines.get(topic);
      if (line === undefined) {
        line = JSON.stringify({ name: topic.name, partitions: topic.partitions, config: topic.config, createdAtMs: topic.createdAtMs });
        this.lines.set(topic, line);
      }
      out.push(line);
    }
    const deleting = this.deletingNames.size > 0 ? `,\n"deleting":${JSON.stringify([...this.deletingNames])}` : '';
    return `{"version":${FORMAT_VERSION},"topics":[\n${out.join(',\n')}\n]${deleting}}\n`;
  }
}

function parseTopicsFile(text: string, path: string): { topics: StoredTopic[]; deleting: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CorruptLogError(`${path} is not valid JSON`, { cause: err });
  }
  const root = doc as { version?: unknown; topics?: unknown; deleting?: unknown };
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
  const deleting: string[] = [];
  if (root.deleting !== undefined) {
    if (!Array.isArray(root.deleting)) throw new CorruptLogError(`${path} has a "deleting" entry that is not a list`);
    for (const name of root.deleting as unknown[]) {
      try {
        validateTopicName(name);
      } catch (err) {
        throw new CorruptLogError(`${path} lists an invalid topic name ${JSON.stringify(name)} as deleting`, { cause: err });
      }
      deleting.push(name as string);
    }
  }
  return { topics: out, deleting };
}
