/**
 * Shared machinery of the two sparse indexes (OffsetIndex, TimeIndex): fixed-size big-endian
 * entries kept in memory in their on-disk layout (a growable Buffer), written through to the
 * file at explicit positions, no mmap.
 *
 * Lifecycle: the active segment's index is *writable*: its file is preallocated to
 * `maxEntries * entryBytes` (a sparse ftruncate) and new entries are written through a page
 * at a time (INDEX_WRITE_THROUGH_BYTES), beside the log writes they describe; the rest is
 * written when the segment is sealed or closed (after a crash the active segment's indexes are
 * rebuilt from the log anyway, so nothing depends on the unwritten tail). Sealing or closing trims the file to its real size and fsyncs it, so a
 * cleanly closed index has exactly `entries * entryBytes` bytes. A sealed segment's index is
 * read-only: loaded lazily into memory on first use, with no file handle kept, and unloaded again
 * when the broker-wide IndexCache needs the memory.
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
  private fh: FileHandle | undefined;
  /** Entries [0, writtenCount) are in the file exactly as in memory. */
  private writtenCount = 0;
  private syncNeeded = false;

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
    return this.fh !== undefined;
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
    assert.ok(other.fh === undefined && other.count <= this.maxEntries);
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
   * Opens the file for appending and preallocates it. `create`: a new segment's file, which must
   * not exist; `existing`: the file already holds the in-memory entries (a loaded index);
   * `replace`: the file is rewritten from memory (a rebuilt index).
   */
  async openWritable(mode: 'create' | 'existing' | 'replace'): Promise<void> {
    assert.ok(this.fh === undefined);
    this.fh = await open(this.path, mode === 'create' ? 'wx+' : mode === 'existing' ? 'r+' : 'w+');
    if (mode === 'replace') this.writtenCount = 0;
    await this.fh.truncate(this.maxEntries * this.entryBytes);
    this.syncNeeded = true;
    await this.writeThrough();
  }

  /** Writes entries added since the last call (one positional write). */
  async writeThrough(): Promise<void> {
    if (this.fh === undefined || this.writtenCount >= this.count) return;
    const from = this.writtenCount * this.entryBytes;
    const to = this.count * this.entryBytes;
    await this.fh.write(this.mem, from, to - from, from);
    this.writtenCount = this.count;
    this.syncNeeded = true;
  }

  async sync(): Promise<void> {
    if (this.fh === undefined || !this.syncNeeded) return;
    this.syncNeeded = false;
    await this.fh.datasync();
  }

  /** Trims the file to its real size, fsyncs and closes it: the index becomes read-only. */
  async seal(): Promise<void> {
    if (this.fh === undefined) return;
    await this.writeThrough();
    await this.fh.truncate(this.count * this.entryBytes);
    await this.fh.datasync();
    this.syncNeeded = false;
    const fh = this.fh;
    this.fh = undefined;
    await fh.close();
    // A read-only index never grows again: give back the spare capacity of the doubling array.
    if (this.mem.length > this.count * this.entryBytes) this.mem = Buffer.from(this.mem.subarray(0, this.count * this.entryBytes));
  }

  /** Closes without trimming (after an I/O failure; the next open rebuilds or re-checks). */
  async abandon(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => undefined);
  }

  /**
   * Writes the whole in-memory index to a read-only (sealed) index file atomically: temp file,
   * fsync, rename, fsync of the directory. Used after rebuilding a sealed segment's index.
   */
  async writeOut(): Promise<void> {
    assert.ok(this.fh === undefined, 'writeOut is for read-only indexes');
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
