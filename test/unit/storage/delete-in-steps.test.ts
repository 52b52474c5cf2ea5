import { open, readdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_DELETE_STEP_BYTES } from '../../../broker/storage/constants.js';
import { truncateInSteps } from '../../../broker/storage/file-io.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('deleting large segment files in steps', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  it('truncateInSteps shrinks a file through intermediate sizes down to empty', async () => {
    const file = path.join(dir, 'big.log');
    await writeFile(file, Buffer.alloc(1024 * 1024, 1));
    const fh = await open(file, 'r+');
    const seen = new Set<number>();
    let done = false;
    const shrinking = truncateInSteps(fh, 1024 * 1024, 128 * 1024, 5).finally(() => { done = true; });
    while (!done) {
      seen.add((await stat(file)).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    await shrinking;
    await fh.close();
    expect((await stat(file)).size).toBe(0);
    // One truncate to zero would show only the full and the empty size.
    expect([...seen].some((s) => s > 0 && s < 1024 * 1024 && s % (128 * 1024) === 0)).toBe(true);
  });

  it('retention deletes a segment larger than one step and keeps serving the rest', async () => {
    const valueBytes = 100 * 1024;
    const perSegment = Math.ceil(LOG_DELETE_STEP_BYTES / valueBytes) + 2;
    log = await openLog(dir, smallConfig({ segmentBytes: (perSegment + 1) * (valueBytes + 200), retentionBytes: 1 }));
    for (let i = 0; i < perSegment * 2 + 1; i++) log.appendAsLeader(batch(1, { tag: `b${i}`, valueBytes }), 0);
    await log.flush();
    expect(log.segmentCount).toBeGreaterThanOrEqual(2);
    const firstLog = path.join(dir, (await readdir(dir)).filter((n) => n.endsWith('.log')).sort()[0]!);
    expect((await stat(firstLog)).size).toBeGreaterThan(LOG_DELETE_STEP_BYTES);

    // While it shrinks, the file must not be under its segment name: a crash then would bring a
    // cut-short segment back as the start of the log.
    const fullSize = (await stat(firstLog)).size;
    const sizesUnderSegmentName = new Set<number>();
    let done = false;
    const deleting = log.deleteRetainedSegments().finally(() => { done = true; });
    while (!done) {
      const size = await stat(firstLog).then((st) => st.size, () => undefined);
      if (size !== undefined) sizesUnderSegmentName.add(size);
      await new Promise((r) => setTimeout(r, 1));
    }
    const deleted = await deleting;
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect([...sizesUnderSegmentName].every((size) => size === fullSize)).toBe(true);
    await expect(stat(firstLog)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(dir)).filter((n) => n.endsWith('.deleted'))).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.log')).length).toBe(log.segmentCount);
    const left = await readAll(log);
    expect(left[0]!.offset).toBe(log.logStartOffset);
    expect(left.at(-1)!.offset).toBe(perSegment * 2);
  });

  it('a crash in the middle of a delete leaves nothing that reopens as part of the log', async () => {
    const valueBytes = 100 * 1024;
    const perSegment = Math.ceil(LOG_DELETE_STEP_BYTES / valueBytes) + 2;
    log = await openLog(dir, smallConfig({ segmentBytes: (perSegment + 1) * (valueBytes + 200) }));
    for (let i = 0; i < perSegment * 2 + 1; i++) log.appendAsLeader(batch(1, { tag: `b${i}`, valueBytes }), 0);
    await log.flush();
    const bases = log.segmentBaseOffsets();
    await log.close();
    // The state a crash leaves after the rename and some truncation steps: the .log renamed and
    // cut short, its index files still there.
    const first = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort()[0]!;
    const doomed = path.join(dir, `${first}.deleted`);
    await rename(path.join(dir, first), doomed);
    await truncate(doomed, LOG_DELETE_STEP_BYTES / 2 + 7);

    log = await openLog(dir, smallConfig({ segmentBytes: (perSegment + 1) * (valueBytes + 200) }), { recover: true });
    expect(log.logStartOffset).toBe(bases[1]);
    expect((await readdir(dir)).filter((n) => n.startsWith(first.slice(0, -'.log'.length)))).toEqual([]);
    const left = await readAll(log);
    expect(left[0]!.offset).toBe(bases[1]);
    expect(left.at(-1)!.offset).toBe(perSegment * 2);
  });
});
