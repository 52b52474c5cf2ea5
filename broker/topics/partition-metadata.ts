/**
 * File `partition.metadata` in a replica's partition directory (cluster mode), Kafka's layout:
 *
 *   version: 0
 *   topic_id: 1700000000000
 *
 * It names the incarnation of the topic the directory's data belongs to: the topic's
 * `createdAtMs` in etcd, which a delete and re-create under the same name always changes. A
 * broker that was down while its topic was deleted and created again finds its old directory
 * with the old id on return, and drops it instead of serving the deleted topic's records as the
 * new topic's (Kafka's KIP-516 topic ids do the same).
 *
 * Written atomically (temp file, fsync, rename, directory fsync) before the replica is used. A
 * directory without the file (written before the file existed, or a crash between mkdir and the
 * write) is taken as the current incarnation, as Kafka does for logs without topic ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';
const VERSION = 0;

/** The topic id in `dir`'s partition.metadata; null when the file is missing or unreadable. */
export async function readPartitionTopicId(dir: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(dir, PARTITION_METADATA_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const m = /^version: (\d+)\ntopic_id: (\S+)\n?$/.exec(text);
  return m && Number(m[1]) === VERSION ? m[2]! : null;
}

export function writePartitionTopicId(dir: string, topicId: string): Promise<void> {
  return writeFileAtomic(join(dir, PARTITION_METADATA_FILE), `version: ${VERSION}\ntopic_id: ${topicId}\n`);
}
