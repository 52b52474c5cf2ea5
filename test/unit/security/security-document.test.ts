import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../proto/errors.js';
import { parseSecurityDocument } from '../../../broker/security/security-document.js';
import { SecurityFile } from '../../../broker/security/security-file.js';

const validate = (doc: Record<string, unknown>): { users: string[] } => {
  if (!Array.isArray(doc.users)) throw new Error('users is not a list');
  return { users: doc.users as string[] };
};

describe('stored security documents', () => {
  it('parses a document of its version and refuses every other shape, saying why', () => {
    expect(parseSecurityDocument('{"version":1,"users":["a"]}', 1, validate)).toEqual({ users: ['a'] });
    expect(() => parseSecurityDocument('not json', 1, validate)).toThrow(SyntaxError);
    expect(() => parseSecurityDocument('[1]', 1, validate)).toThrow('not a JSON object');
    expect(() => parseSecurityDocument('null', 1, validate)).toThrow('not a JSON object');
    expect(() => parseSecurityDocument('{"version":2,"users":[]}', 1, validate)).toThrow('version 2, expected 1');
    expect(() => parseSecurityDocument('{"version":1,"users":3}', 1, validate)).toThrow('users is not a list');
  });

  it('a file that does not parse is a StorageError naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-secdoc-'));
    try {
      const path = join(dir, 'credentials.json');
      const file = new SecurityFile(path, 1, validate);
      expect(await file.read()).toBeNull();
      await writeFile(path, '{"version":7}');
      const err = await file.read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toContain('version 7, expected 1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
