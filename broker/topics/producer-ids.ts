/**
 * Hands out idempotent-producer ids, never the same one twice, also across restarts and crashes.
 *
 * producer-ids.json (written with writeFileAtomic):  { "version": 1, "reservedUpTo": 3000 }
 *
 * Every id below `reservedUpTo` may already have been handed out. Ids are reserved in blocks of
 * PRODUCER_ID_BLOCK_SIZE: one fsync'ed write per block, and after a crash the unused rest of
 * the block is skipped, never reused. A restart starts handing out at `reservedUpTo`.
 *
 * The file is also partly derivable: no id at or below the highest producer id found in any
 * log may be handed out again, or a new producer's first batches would match an old producer's
 * remembered ones and be answered as duplicates without being written. So when the file is
 * missing or unreadable, open() does not fail or restart at 0; the broker then calls
 * `ensureAbove(highest id in the logs)`, which continues one block past that id (ids handed out
 * after the last one written may still be in use) and logs the repair.
 *
 * Concurrency: allocations are serialized on a promise chain, so two InitProducerId requests
 * racing for the last id of a block both get distinct ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../../proto/errors.js';
import { PRODUCER_ID_BLOCK_SIZE } from '../constants.js';
import type { Logger } from '../logger.js';
import { removeStrayTemp, writeFileAtomic } from './atomic-file.js';

export const PRODUCER_IDS_FILE = 'producer-ids.json';
const FORMAT_VERSION = 1;

export class ProducerIdAllocator {
  readonly path: string;
  private nextId: number;
  private reservedUpTo: number;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    path: string,
    reservedUpTo: number,
    private readonly logger: Logger,
    /** Whether producer-ids.json was read: 'missing' on a fresh broker or after it was deleted. */
    readonly fileState: 'ok' | 'missing' | 'unreadable',
  ) {
    this.path = path;
    this.nextId = reservedUpTo;
    this.reservedUpTo = reservedUpTo;
  }

  static async open(dataDir: string, logger: Logger): Promise<ProducerIdAllocator> {
    const path = join(dataDir, PRODUCER_IDS_FILE);
    await removeStrayTemp(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageError(`cannot read ${path}`, { cause: err });
      return new ProducerIdAllocator(path, 0, logger, 'missing');
    }
    let doc: { version?: unknown; reservedUpTo?: unknown } | null = null;
    try {
      doc = JSON.parse(text) as { version?: unknown; reservedUpTo?: unknown };
    } catch {
      // Reported below, with the file's size, as unreadable.
    }
    if (doc?.version !== FORMAT_VERSION || typeof doc.reservedUpTo !== 'number'
      || !Number.isSafeInteger(doc.reservedUpTo) || doc.reservedUpTo < 0) {
      logger.error({ file: path, bytes: text.length }, 'producer id file is unreadable; ids will continue above the highest producer id in the logs');
      return new ProducerIdAllocator(path, 0, logger, 'unreadable');
    }
    return new ProducerIdAllocator(path, doc.reservedUpTo, logger, 'ok');
  }

  /**
   * Makes sure no id at or below `highestInLogs` (the largest producer id in any partition's
   * batch headers, -1 if none) is handed out. After a missing or unreadable file with producers
   * in the logs, also skips a block for ids handed out but never written. Call once, after the
   * logs are open and before the first next().
   */
  ensureAbove(highestInLogs: number): void {
    // A missing file with no producer in the logs is a fresh broker: start at 0.
    const lost = this.fileState === 'unreadable' || (this.fileState === 'missing' && highestInLogs >= 0);
    const floor = Math.max(highestInLogs, -1) + 1 + (lost ? PRODUCER_ID_BLOCK_SIZE : 0);
    if (floor <= this.nextId) return;
    this.logger.warn({ file: this.path, fileState: this.fileState, highestInLogs, nextId: floor },
      'producer id file is behind the logs; continuing above the highest producer id in them');
    this.nextId = floor;
    this.reservedUpTo = floor; // the next allocation persists a block from here
  }

  /** The next unused producer id; reserves (and persists) a new block when needed. */
  next(): Promise<number> {
    const run = this.chain.then(() => this.allocate());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async allocate(): Promise<number> {
    if (this.nextId >= this.reservedUpTo) {
      const upTo = this.nextId + PRODUCER_ID_BLOCK_SIZE;
      try {
        await writeFileAtomic(this.path, JSON.stringify({ version: FORMAT_VERSION, reservedUpTo: upTo }) + '\n');
      } catch (err) {
        throw new StorageError(`cannot write ${this.path}`, { cause: err });
      }
      this.reservedUpTo = upTo;
      this.logger.debug({ reservedUpTo: upTo }, 'reserved producer id block');
    }
    return this.nextId++;
  }
}
