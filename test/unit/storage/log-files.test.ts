import { describe, expect, it } from 'vitest';
import {
  baseOffsetName, isTempFileName, logFilePath, parsePartitionDirName, parseSegmentFileName, partitionDirName,
} from '../../../broker/storage/log-files.js';

describe('log file names', () => {
  it('zero-pads base offsets to 20 digits so listings sort by offset', () => {
    expect(baseOffsetName(0)).toBe('00000000000000000000');
    expect(baseOffsetName(42)).toBe('00000000000000000042');
    expect(logFilePath('/d', 7)).toBe('/d/00000000000000000007.log');
    const names = [1000, 20, 3].map(baseOffsetName).sort();
    expect(names.map(Number)).toEqual([3, 20, 1000]);
  });

  it('parses segment file names and rejects everything else', () => {
    expect(parseSegmentFileName('00000000000000000042.log')).toEqual({ baseOffset: 42, kind: 'log' });
    expect(parseSegmentFileName('00000000000000000042.timeindex')).toEqual({ baseOffset: 42, kind: 'timeindex' });
    for (const bad of ['42.log', '00000000000000000042.log.tmp', '0000000000000000004x.index', 'x.cleaned', '99999999999999999999.log']) {
      expect(parseSegmentFileName(bad)).toBeUndefined();
    }
  });

  it('recognises temp files', () => {
    expect(isTempFileName('00000000000000000000.index.tmp')).toBe(true);
    expect(isTempFileName('a.cleaned')).toBe(true);
    expect(isTempFileName('00000000000000000000.log')).toBe(false);
  });

  it('splits partition directory names at the last dash', () => {
    expect(partitionDirName('my-topic', 3)).toBe('my-topic-3');
    expect(parsePartitionDirName('my-topic-3')).toEqual({ topic: 'my-topic', partition: 3 });
    expect(parsePartitionDirName('topic')).toBeUndefined();
    expect(parsePartitionDirName('topic-x')).toBeUndefined();
  });
});
