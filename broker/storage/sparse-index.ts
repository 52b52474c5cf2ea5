/**
 * Shared machinery of the two sparse indexes (OffsetIndex, TimeIndex): fixed-size big-endian
 * entries kept in memory in their on-disk layout (a growable Buffer), written through to the
 * file at explicit positions, no mmap.
 *
 * Lifecycle: the active segment's index is *writable*. New entries are written to its file a
 * page at a time (INDEX_WRITE_THROUGH_BYTES), beside the log writes they describe, through a
 * handle opened for that one write; the rest is written when the segment is sealed or closed
 * (after a crash the active segment's indexes are rebuilt from the log anyway, so nothing
 * depends on the unwritten tail). No handle stays open: a partition costs one file descriptor
 * (its active .log), not three, which is what lets a broker hold 10,000 partitions under a
 * 20,000-descriptor limit. A new segment's index file is only created by its first write.
 * Sealing or closing trims the file to its real size and fsyncs it, so a cleanly closed index
 * has exactly `entries * entryBytes` bytes. A sealed segment's index is read-only: loaded
 * lazily into memory on first use, and unloaded again when the broker-wide IndexCache needs
 * the memory.
 *
 * Indexes are derived data: anything wrong with one (bad size, entries out of order, pointing
 * past the log) is fixed by rebuilding it from the log, so they carry no checksum.
 *
 * Concurrency: mutated only by the owning segment's single writer (append, truncate, seal);
 * lookups may run at any time and only see entries already added.
 */
import assert from 'node:assert/strict';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { INDEX_ENTRIES_INITIAL } from './constants.js';
import { fsyncDir } from './file-io.js';
import path from 'node:path';

export abstract class SparseIndex {
  readonly maxEntries: number;
  protected mem: Buffer;
  protected count = 0;
  private isWritable = false;
  /**
   * How the next write must open the file: 'r+' when it holds entries [0, writtenCount) to keep,
   * 'w' when it must be (re)created from the first entry (a new segment, a rebuilt index).
   */
  private openMode: 'r+' | 'w' = 'w';
  /** Entries [0, writtenCount) are in the file exactly as in memory. */
  private writtenCount = 0;

  constructor(readonly path: string, readonly baseOffset: number, readonly entryBytes: number, maxIndexBytes: number) {
    this.maxEntries = Math.floor(maxIndexBytes / entryBytes);
    assert.ok(this.maxEntries >= 2, 'an index must hold at least two entries');
    this.mem = Buffer.alloc(Math.min(INDEX_ENTRIES_INITIAL, this.maxEntries) * entryBytes);
  }

  get entries(): number {
    return this.count;
  }

  /** Bytes of entries added in memory but not yet written to the file. */
  get unwrittenBytes(): number {
    return Math.max(0, this.count - this.writtenCount) * this.entryBytes;
  }

  get writable(): boolean {
    return this.isWritable;
  }

  /** Whether a writable index's file holds entries to keep (false: it will be written from scratch). */
  get hasFile(): boolean {
    return this.openMode === 'r+';
  }

  /** Bytes of memory the entries occupy (the array's capacity, which may exceed the entries). */
  get memoryBytes(): number {
    return this.mem.length;
  }

  /** Reserves the next entry in memory and returns its byte offset in `mem`. */
  protected nextSlot(): number {
    assert.ok(this.count < this.maxEntries, 'index is full');
    const at = this.count * this.entryBytes;
    if (at + this.entryBytes > this.mem.length) {
      const grown = Buffer.alloc(Math.min(Math.max(this.mem.length * 2, INDEX_ENTRIES_INITIAL * this.entryBytes), this.maxEntries * this.entryBytes));
      this.mem.copy(grown, 0, 0, at);
      this.mem = grown;
    }
    this.count++;
    return at;
  }

  /** Drops entries [n, count). The stale bytes in a writable file are overwritten or trimmed later. */
  truncateEntries(n: number): void {
    assert.ok(n >= 0 && n <= this.count);
    this.count = n;
    if (this.writtenCount > n) this.writtenCount = n;
  }

  /** Takes over another (read-only) instance's entries, e.g. to change capacity. */
  protected adopt(other: SparseIndex): void {
    assert.ok(!other.isWritable && other.count <= this.maxEntries);
    const mem = Buffer.alloc(Math.max(other.count, Math.min(INDEX_ENTRIES_INITIAL, this.maxEntries)) * this.entryBytes);
    other.mem.copy(mem, 0, 0, other.count * this.entryBytes);
    this.mem = mem;
    this.count = other.count;
    this.writtenCount = other.writtenCount;
  }

  /** Loads the file into memory. Returns a reason if its size is not a whole number of entries. */
  async load(): Promise<string | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    if (bytes.length % this.entryBytes !== 0) return `size ${bytes.length} is not a multiple of ${this.entryBytes}`;
    const count = bytes.length / this.entryBytes;
    if (count > this.maxEntries) return `${count} entries exceed the maximum of ${this.maxEntries}`;
    this.mem = bytes;
    this.count = count;
    this.writtenCount = count;
    return undefined;
  }

  /**
   * Makes the index writable. `create`: a new segment's index, whose file does not exist yet;
   * `existing`: the file already holds the in-memory entries (a loaded index; it may be longer,
   * e.g. preallocated by an older version, and is trimmed when sealed); `replace`: the file is
   * rewritten from memory (a rebuilt index).
   */
  async openWritable(mode: 'create' | 'existing' | 'replace'): Promise<void> {
    assert.ok(!this.isWritable);
    this.isWritable = true;
    if (mode === 'existing') {
      // An empty loaded index may have no file at all (an empty segment closed cleanly).
      this.openMode = this.writtenCount > 0 ? 'r+' : 'w';
    } else {
      this.openMode = 'w';
      this.writtenCount = 0;
    }
    await this.writeThrough();
  }

  /** Writes entries added since the last call (one positional write through a short-lived handle). */
  async writeThrough(): Promise<void> {
    if (!this.isWritable || this.writtenCount >= this.count) return;
    await this.withFile(async (fh) => {
      const from = this.writtenCount * this.entryBytes;
      await fh.write(this.mem, from, this.count * this.entryBytes - from, from);
    });
    this.writtenCount = this.count;
  }

  /** Writes what is pending, trims the file to its real size and fsyncs it: the index becomes read-only. */
  async seal(): Promise<void> {
    if (!this.isWritable) return;
    await this.withFile(async (fh) => {
      const from = this.writtenCount * this.entryBytes;
      const to = this.count * this.entryBytes;
      if (to > from) await fh.write(this.mem, from, to - from, from);
      await fh.truncate(to);
      await fh.datasync();
    });
    this.writtenCount = this.count;
    this.isWritable = false;
    // A read-only index never grows again: give back the spare capacity of the doubling array.
    if (this.mem.length > this.count * this.entryBytes) this.mem = Buffer.from(this.mem.subarray(0, this.count * this.entryBytes));
  }

  /** Stops writing without trimming (after an I/O failure; the next open rebuilds or re-checks). */
  async abandon(): Promise<void> {
    this.isWritable = false;
  }

  private async withFile(fn: (fh: FileHandle) => Promise<void>): Promise<void> {
    const fh = await open(this.path, this.openMode);
    try {
      await fn(fh);
    } finally {
      await fh.close();
    }
    // From now on the file holds [0, writtenCount) and later writes keep it.
    this.openMode = 'r+';
  }

  /**
   * Writes the whole in-memory index to a read-only (sealed) index file atomically: temp file,
   * fsync, rename, fsync of the directory. Used after rebuilding a sealed segment's index.
   */
  async writeOut(): Promise<void> {
    assert.ok(!this.isWritable, 'writeOut is for read-only indexes');
    const tmp = this.path + '.tmp';
    const fh = await open(tmp, 'w');
    try {
      await fh.write(this.mem, 0, this.count * this.entryBytes, 0);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    await fsyncDir(path.dirname(this.path));
    this.writtenCount = this.count;
  }
}
