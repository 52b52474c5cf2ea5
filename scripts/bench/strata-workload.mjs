// Strata side of the comparison. Interface shared with the other workloads:
//   produce({ url, topic, records, recordSize }) → { seconds, records, bytes }
//   consume({ url, topic, records, recordSize }) → { seconds, records, bytes }
// `seconds` runs from the first send to the last ack (produce) or from the start of the read to
// the last record (consume).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'client', 'index.js');

/** Thrown while the Strata SDK is not yet wired into this benchmark. */
export class StrataNotWiredError extends Error {
  constructor(detail) {
    super(`Strata workload not wired: ${detail}`);
    this.name = 'StrataNotWiredError';
  }
}

function notWired() {
  if (!fs.existsSync(SDK_PATH)) throw new StrataNotWiredError(`${SDK_PATH} does not exist (client SDK not built yet)`);
  throw new StrataNotWiredError('scripts/bench/strata-workload.mjs does not yet call the client SDK');
}

export async function produce() { notWired(); }
export async function consume() { notWired(); }
