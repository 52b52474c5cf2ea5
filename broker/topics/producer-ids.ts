/**
 * Hands out idempotent-producer ids, never the same one twice, also across restarts and crashes.
 *
 * producer-ids.json (written with writeFileAtomic):  { "version": 1, "reservedUpTo": 3000 }
 *
 * Every id below `reservedUpTo` may already have been handed out. Ids are reserved in blocks of
 * PRODUCER_ID_BLOCK_SIZE: one fsync'ed write per block, and after a crash the unused rest of
 * the block is skipped, never reused. A restart starts handing out at `reservedUpTo`.
 *
 * Concurrency: allocations are serialized on a promise chain, so two InitProducerId requests
 * racing for the last id of a block both get distinct ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptLogError, StorageError } from '../../proto/errors.js';
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

  private constructor(path: string, reservedUpTo: number, private readonly logger: Logger) {
    this.path = path;
    this.nextId = reservedUpTo;
    this.reservedUpTo = reservedUpTo;
  }

  static async open(dataDir: string, logger: Logger): Promise<ProducerIdAllocator> {
    const path = join(dataDir, PRODUCER_IDS_FILE);
    await removeStrayTemp(path);
    let reservedUpTo = 0;
    try {
      const doc = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown; reservedUpTo?: unknown };
      if (doc?.version !== FORMAT_VERSION || typeof doc.reservedUpTo !== 'number'
        || !Number.isSafeInteger(doc.reservedUpTo) || doc.reservedUpTo < 0) {
        throw new CorruptLogError(`${path} is not a version ${FORMAT_VERSION} producer id file`);
      }
      reservedUpTo = doc.reservedUpTo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        if (err instanceof CorruptLogError) throw err;
        throw new CorruptLogError(`cannot read ${path}`, { cause: err });
      }
    }
    return new ProducerIdAllocator(path, reservedUpTo, logger);
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
