/**
 * A follower append whose batches do not continue the local log (Kafka's
 * UnexpectedAppendOffsetException): the first batch's base offset is not the log end offset,
 * or a later batch does not start right after the one before it. Nothing was appended; the
 * replica fetcher reacts by truncating or re-fetching from `logEndOffset`.
 *
 * A subclass of InvalidRecordBatchError rather than an entry of its own in proto/errors.ts: it
 * never reaches a client (only the broker's own replica fetcher appends as a follower), and
 * should it ever be sent, "record batch is malformed" is what it is. The class lets the fetcher
 * tell it apart and read the offsets without parsing a message.
 */
import { InvalidRecordBatchError } from '../../proto/errors.js';

export class UnexpectedAppendOffsetError extends InvalidRecordBatchError {
  constructor(
    /** Where the batches had to start (the log end offset, or the previous batch's end). */
    readonly expectedOffset: number,
    /** Where the offending batch starts. */
    readonly actualOffset: number,
    where: string,
  ) {
    super(`${where}: follower batch starts at offset ${actualOffset}, expected ${expectedOffset}`);
    this.name = 'UnexpectedAppendOffsetError';
  }
}
