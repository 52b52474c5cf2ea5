/**
 * The authority on idempotent-producer ids: hands them out, never the same one twice (also
 * across restarts and crashes), knows which ids and epochs it issued, and is the only way an
 * epoch changes.
 *
 * producer-ids.json (written with writeFileAtomic):
 *
 *   { "version": 1, "reservedUpTo": 3000, "bumpedEpochs": { "2041": 3 } }
 *
 * Every id below `reservedUpTo` may already have been handed out. Ids are reserved in blocks of
 * PRODUCER_ID_BLOCK_SIZE: one fsync'ed write per block, and after a crash the unused rest of
 * the block is skipped, never reused. A restart starts handing out at `reservedUpTo`.
 * `bumpedEpochs` (absent when empty, so older brokers read the file as before) holds the epoch
 * of every id whose epoch was raised by InitProducerId; the others were issued at epoch 0.
 *
 * Issued: an id below the next one to hand out. A produce batch naming an id that was never
 * issued is refused with UnknownProducerIdError (before this check, a client could write under
 * an id that a later producer was then given, and that producer's first batch was answered as
 * a "duplicate" of the forger's: acknowledged, never stored). A batch whose epoch is not the
 * id's issued epoch is refused with InvalidProducerEpochError: above it, because only
 * InitProducerId raises epochs, so nobody fences a producer by sending its id with epoch + 1;
 * below it, because the raise fenced that epoch, on every partition at once.
 *
 * Epoch bumps (KIP-360): InitProducerId with the current id and epoch returns the same id at
 * epoch + 1, persisted before the answer. Only the holder may ask: the connection the id was
 * issued to (passed as an opaque `holder` object: the connection's close signal until requests
 * carry a principal), else InvalidProducerIdMappingError; an epoch that is not the current one
 * is InvalidProducerEpochError. An id at the largest epoch, or one more bump than
 * PRODUCER_EPOCH_BUMPS_MAX allows, gets a fresh id at epoch 0 instead (Kafka does the same at
 * the epoch limit).
 *
 * The file is partly derivable: no id at or below the highest producer id found in any log may
 * be handed out again, or a new producer's first batches would match an old producer's
 * remembered ones and be answered as duplicates without being written. So when the file is
 * missing or unreadable, open() does not fail or restart at 0; the broker then calls
 * `ensureAbove(highest id in the logs)`, which continues one block past that id (ids handed out
 * after the last one written may still be in use) and logs the repair. Epochs seen in the logs
 * (noteEpochInLog) count as issued too: they cover bumps made before they were persisted here,
 * and a lost file.
 *
 * Concurrency: allocations and bumps are serialized on a promise chain, so two InitProducerId
 * requests racing for the last id of a block both get distinct ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidProducerEpochError, InvalidProducerIdMappingError, StorageError, UnknownProducerIdError } from '../../proto/errors.js';
import {
  PRODUCER_EPOCH_BUMPS_MAX, PRODUCER_EPOCH_MAX, PRODUCER_ID_BLOCK_SIZE, PRODUCER_IDS_PER_HOLDER_MAX,
} from '../constants.js';
import type { Logger } from '../logger.js';
import { removeStrayTemp, writeFileAtomic } from '../topics/atomic-file.js';

export const PRODUCER_IDS_FILE = 'producer-ids.json';
const FORMAT_VERSION = 1;

/** A producer id with the epoch it holds. */
export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** What a partition asks before it appends an idempotent batch. */
export interface ProducerRegistry {
  /** Throws UnknownProducerIdError / InvalidProducerEpochError unless the id was issued and `epoch` is its epoch. */
  checkProduce(producerId: number, epoch: number): void;
}

/**
 * Where ids come from in a cluster: blocks of a counter shared by every broker
 * (cluster/producer-id-counter.ts), so no two brokers hand out one id. Without it, ids come from
 * this broker's own producer-ids.json.
 */
export type ProducerIdBlockSource = (size: number) => Promise<{ readonly start: number; readonly end: number }>;

interface StoredIds {
  version?: unknown;
  reservedUpTo?: unknown;
  bumpedEpochs?: unknown;
}

export class ProducerIdAllocator implements ProducerRegistry {
  readonly path: string;
  private nextId: number;
  private reservedUpTo: number;
  private readonly bumped: Map<number, number>;
  /** Highest epoch of each id in the logs' batch headers at start-up (epochs above 0 only). */
  private readonly logEpochs = new Map<number, number>();
  /** Ids each holder (connection) obtained, oldest first, at most PRODUCER_IDS_PER_HOLDER_MAX. */
  private readonly holders = new WeakMap<object, Set<number>>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Cluster mode: the shared counter blocks come from (see ProducerIdBlockSource). */
  blockSource: ProducerIdBlockSource | null = null;
  /**
   * Cluster mode: records a raised epoch where every partition leader can read it
   * (cluster/producer-epochs.ts); awaited before the raise is answered.
   */
  epochSink: ((producerId: number, epoch: number) => Promise<void>) | null = null;

  private constructor(
    path: string,
    reservedUpTo: number,
    bumped: Map<number, number>,
    private readonly logger: Logger,
    /** Whether producer-ids.json was read: 'missing' on a fresh broker or after it was deleted. */
    readonly fileState: 'ok' | 'missing' | 'unreadable',
  ) {
    this.path = path;
    this.nextId = reservedUpTo;
    this.reservedUpTo = reservedUpTo;
    this.bumped = bumped;
  }

  static async open(dataDir: string, logger: Logger): Promise<ProducerIdAllocator> {
    const path = join(dataDir, PRODUCER_IDS_FILE);
    await removeStrayTemp(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageError(`cannot read ${path}`, { cause: err });
      return new ProducerIdAllocator(path, 0, new Map(), logger, 'missing');
    }
    let doc: StoredIds | null = null;
    try {
      doc = JSON.parse(text) as StoredIds;
    } catch {
      // Reported below, with the file's size, as unreadable.
    }
    const bumped = parseBumps(doc?.bumpedEpochs);
    if (doc?.version !== FORMAT_VERSION || typeof doc.reservedUpTo !== 'number'
      || !Number.isSafeInteger(doc.reservedUpTo) || doc.reservedUpTo < 0 || bumped === undefined) {
      logger.error({ file: path, bytes: text.length }, 'producer id file is unreadable; ids will continue above the highest producer id in the logs');
      return new ProducerIdAllocator(path, 0, new Map(), logger, 'unreadable');
    }
    return new ProducerIdAllocator(path, doc.reservedUpTo, bumped, logger, 'ok');
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

  /** An epoch found in a log's batch headers at start-up counts as issued for its id. */
  noteEpochInLog(producerId: number, epoch: number): void {
    if (epoch > (this.logEpochs.get(producerId) ?? 0)) this.logEpochs.set(producerId, epoch);
  }

  /** Whether `producerId` was ever handed out (it is below the next id). */
  isIssued(producerId: number): boolean {
    return Number.isSafeInteger(producerId) && producerId >= 0 && producerId < this.nextId;
  }

  /** The highest epoch issued for an issued id (0 unless bumped). */
  issuedEpoch(producerId: number): number {
    return Math.max(this.bumped.get(producerId) ?? 0, this.logEpochs.get(producerId) ?? 0);
  }

  checkProduce(producerId: number, epoch: number): void {
    if (!this.isIssued(producerId)) throw new UnknownProducerIdError(`producer id ${producerId} was never issued by this broker`);
    const issued = this.issuedEpoch(producerId);
    if (epoch > issued) {
      throw new InvalidProducerEpochError(`producer ${producerId} epoch ${epoch} was never issued (its epoch is ${issued}); epochs change only through InitProducerId`);
    }
    if (epoch < issued) throw new InvalidProducerEpochError(`producer ${producerId} epoch ${epoch} was fenced by epoch ${issued}`);
  }

  /** The next unused producer id at epoch 0, held by `holder`; reserves (and persists) a new block when needed. */
  next(holder?: object): Promise<number> {
    const run = this.chain.then(async () => {
      const id = await this.allocate();
      if (holder !== undefined) this.hold(holder, id);
      return id;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * InitProducerId with the caller's current id and epoch: the same id at epoch + 1, persisted
   * before it resolves; a fresh id at epoch 0 when the id's epochs are used up or the bump table
   * is full. See the file comment for who may ask and what is refused.
   */
  bump(current: ProducerIdAndEpoch, holder: object): Promise<ProducerIdAndEpoch> {
    const run = this.chain.then(async (): Promise<ProducerIdAndEpoch> => {
      const { producerId, producerEpoch } = current;
      if (!this.isIssued(producerId)) throw new UnknownProducerIdError(`producer id ${producerId} was never issued by this broker`);
      if (!this.holders.get(holder)?.has(producerId)) {
        throw new InvalidProducerIdMappingError(`producer id ${producerId} was not issued to this connection`);
      }
      const issued = this.issuedEpoch(producerId);
      if (producerEpoch !== issued) {
        throw new InvalidProducerEpochError(`producer ${producerId} holds epoch ${issued}, not ${producerEpoch}`);
      }
      if (issued >= PRODUCER_EPOCH_MAX || (!this.bumped.has(producerId) && this.bumped.size >= PRODUCER_EPOCH_BUMPS_MAX)) {
        const fresh = await this.allocate();
        this.hold(holder, fresh);
        return { producerId: fresh, producerEpoch: 0 };
      }
      this.bumped.set(producerId, issued + 1);
      try {
        await this.persist(this.reservedUpTo);
        await this.epochSink?.(producerId, issued + 1);
      } catch (err) {
        if (issued === 0) this.bumped.delete(producerId);
        else this.bumped.set(producerId, issued);
        throw err;
      }
      this.hold(holder, producerId);
      return { producerId, producerEpoch: issued + 1 };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private hold(holder: object, producerId: number): void {
    let ids = this.holders.get(holder);
    if (!ids) this.holders.set(holder, (ids = new Set()));
    ids.delete(producerId);
    ids.add(producerId);
    // A connection calling InitProducerId in a loop keeps only its latest ids bumpable.
    if (ids.size > PRODUCER_IDS_PER_HOLDER_MAX) ids.delete(ids.values().next().value as number);
  }

  private async allocate(): Promise<number> {
    if (this.nextId >= this.reservedUpTo && this.blockSource) {
      const block = await this.blockSource(PRODUCER_ID_BLOCK_SIZE);
      // Ids below the block may be another broker's: isIssued() stays true for them locally
      // only because nextId passes them, which is what a cluster-wide check wants anyway.
      this.nextId = Math.max(this.nextId, block.start);
      this.reservedUpTo = block.end;
      this.logger.debug({ start: block.start, end: block.end }, 'reserved a cluster producer id block');
    }
    if (this.nextId >= this.reservedUpTo) {
      const upTo = this.nextId + PRODUCER_ID_BLOCK_SIZE;
      await this.persist(upTo);
      this.reservedUpTo = upTo;
      this.logger.debug({ reservedUpTo: upTo }, 'reserved producer id block');
    }
    return this.nextId++;
  }

  private async persist(reservedUpTo: number): Promise<void> {
    const doc: StoredIds = { version: FORMAT_VERSION, reservedUpTo };
    if (this.bumped.size > 0) doc.bumpedEpochs = Object.fromEntries(this.bumped);
    try {
      await writeFileAtomic(this.path, JSON.stringify(doc) + '\n');
    } catch (err) {
      throw new StorageError(`cannot write ${this.path}`, { cause: err });
    }
  }
}

/** `bumpedEpochs` of the file: an object of id → epoch, both in range; undefined if it is not. */
function parseBumps(value: unknown): Map<number, number> | undefined {
  const out = new Map<number, number>();
  if (value === undefined) return out;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, epoch] of Object.entries(value)) {
    const id = Number(key);
    if (!/^\d+$/.test(key) || !Number.isSafeInteger(id)) return undefined;
    if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 1 || epoch > PRODUCER_EPOCH_MAX) return undefined;
    out.set(id, epoch);
  }
  return out;
}
