/**
 * The WebSocket protocol's frame codec: one protobuf Request per binary frame in, one Response
 * per frame out (proto/strata.proto). The `body` oneof case names the API; each API's command
 * and response body are mapped by codec/*-apis.ts. Pure: no sockets, no storage.
 *
 * Refused frames: a text frame gets an InvalidRequestError response (correlation id 0), then
 * close 'unsupported-data' (1003). A frame that fails to decode gets an InvalidRequestError
 * response when its correlation id can be recovered (frame-peek.ts), otherwise the connection is
 * closed 'invalid-payload' (1007). A request without a body, or whose body the API cannot read
 * (an unknown acks value...), is answered with the error under its correlation id.
 *
 * Fetch answers, the bulk of the bytes, skip the generic writer: one exactly-sized buffer with
 * one copy of the records (proto/fetch-response-frame.ts), from a pool of frame buffers. The
 * result's read buffers are released right after that copy.
 */
import assert from 'node:assert/strict';
import { BufferPool, POOL_BUFFER_BYTES_MIN } from '../../proto/buffer-pool.js';
import { InvalidRequestError, StrataError, UnknownServerError, errorToWire } from '../../proto/errors.js';
import { encodeFetchResponseFrame, type FetchFrameField } from '../../proto/fetch-response-frame.js';
import { decodeRequest, encodeResponse, encodeThrottleTimeTail, REQUEST_APIS, type Request, type ResponseProps } from '../../proto/messages.js';
import { FETCH_RESPONSE_BYTES_MAX } from '../constants.js';
import type { FetchResult } from '../server/api/fetch.js';
import { API_NAMES, type ApiName } from '../server/api-table.js';
import type { DecodedRequest, DecodeOutcome, DecodeRefusal, OutgoingFrame, WireCodec } from '../server/transport.js';
import type { WsApiCodec, WsApiCodecs } from './codec/api-codec.js';
import * as clusterApis from './codec/cluster-apis.js';
import * as configApis from './codec/config-apis.js';
import * as groupApis from './codec/group-apis.js';
import * as recordApis from './codec/record-apis.js';
import * as securityApis from './codec/security-apis.js';
import * as consoleApis from './codec/console-apis.js';
import * as topicApis from './codec/topic-apis.js';
import * as pushApis from './codec/push-apis.js';
import type { PushedBatches } from '../server/subscription-set.js';
import { peekCorrelationId } from './frame-peek.js';

const CODECS: WsApiCodecs = {
  apiVersions: topicApis.apiVersions,
  createTopics: topicApis.createTopics,
  deleteTopics: topicApis.deleteTopics,
  listTopics: topicApis.listTopics,
  metadata: topicApis.metadata,
  produce: recordApis.produce,
  fetch: recordApis.fetch,
  listOffsets: recordApis.listOffsets,
  initProducerId: recordApis.initProducerId,
  joinGroup: groupApis.joinGroup,
  heartbeat: groupApis.heartbeat,
  leaveGroup: groupApis.leaveGroup,
  offsetCommit: groupApis.offsetCommit,
  offsetFetch: groupApis.offsetFetch,
  listGroups: groupApis.listGroups,
  describeGroup: groupApis.describeGroup,
  resetOffsets: groupApis.resetOffsets,
  deleteGroups: groupApis.deleteGroups,
  findCoordinator: clusterApis.findCoordinator,
  clusterInfo: clusterApis.clusterInfo,
  describeTopicConfigs: configApis.describeTopicConfigs,
  alterTopicConfigs: configApis.alterTopicConfigs,
  createUser: securityApis.createUser,
  listUsers: securityApis.listUsers,
  deleteUser: securityApis.deleteUser,
  replicaFetch: clusterApis.replicaFetch,
  offsetsForLeaderEpoch: clusterApis.offsetsForLeaderEpoch,
  brokerStats: consoleApis.brokerStats,
  saslHandshake: securityApis.saslHandshake,
  saslAuthenticate: securityApis.saslAuthenticate,
  createAcls: securityApis.createAcls,
  describeAcls: securityApis.describeAcls,
  deleteAcls: securityApis.deleteAcls,
  alterQuotas: securityApis.alterQuotas,
  describeQuotas: securityApis.describeQuotas,
  subscribe: pushApis.subscribe,
  subscriptionCredit: pushApis.subscriptionCredit,
  unsubscribe: pushApis.unsubscribe,
};

assert.deepEqual([...REQUEST_APIS].sort(), [...API_NAMES].sort(), 'the protobuf oneof and the API table must name the same APIs');

/**
 * Bytes of fetch frame buffers kept for reuse, across all connections: a few full responses
 * (FETCH_RESPONSE_BYTES_MAX) so steady replays allocate no new multi-MiB frames, whose external
 * memory drove much of the broker's GC; bounded so idle memory stays small.
 */
const FETCH_FRAME_POOL_BYTES_MAX = 4 * FETCH_RESPONSE_BYTES_MAX;

/**
 * Recycled fetch frames. A buffer goes back only once the transport has written every byte; on
 * failure it is left to the GC, as the socket may still hold it. Event-loop use only.
 */
const fetchFramePool = new BufferPool<Buffer>(FETCH_FRAME_POOL_BYTES_MAX, Buffer.allocUnsafeSlow);

function frameOf(bytes: Uint8Array, sent?: (written: boolean) => void): OutgoingFrame {
  return sent ? { bytes, byteLength: bytes.length, sent } : { bytes, byteLength: bytes.length };
}

function errorFrame(correlationId: number, err: unknown): OutgoingFrame {
  const res: ResponseProps = { correlationId, error: errorToWire(err) };
  return frameOf(encodeResponse(res));
}

function refused(correlationId: number | null, error: StrataError, close: DecodeRefusal['close']): DecodeOutcome {
  return { refusal: { error, response: correlationId === null ? null : errorFrame(correlationId, error), close } };
}

export const wsCodec: WireCodec = {
  decode(frame: Buffer, binary: boolean): DecodeOutcome {
    if (!binary) {
      return refused(0, new InvalidRequestError('text frames are not part of the protocol; send binary protobuf frames'),
        { reason: 'unsupported-data', message: 'binary frames only' });
    }
    let req: Request;
    try {
      req = decodeRequest(frame);
    } catch (err) {
      const correlationId = peekCorrelationId(frame);
      const error = err instanceof StrataError ? err : new InvalidRequestError('malformed request frame', { cause: err });
      return refused(correlationId, error, correlationId === null ? { reason: 'invalid-payload', message: 'malformed request frame' } : null);
    }
    const correlationId = req.correlationId;
    const api = req.body as ApiName | undefined;
    if (!api) return refused(correlationId, new InvalidRequestError('request has no body or an unknown API'), null);
    const body = req[api];
    let command: unknown;
    try {
      command = (CODECS[api] as WsApiCodec<ApiName>).command(body as never);
    } catch (err) {
      // Anything but a StrataError is a codec bug; the core logs UnknownServerError refusals as errors.
      return refused(correlationId, err instanceof StrataError ? err : new UnknownServerError(undefined, { cause: err }), null);
    }
    const request: DecodedRequest = api === 'apiVersions'
      ? { correlationId, api, command, clientId: (command as { clientSoftware: string }).clientSoftware }
      : { correlationId, api, command };
    return { request };
  },

  encodeResult(req: DecodedRequest, result: unknown): OutgoingFrame {
    const { correlationId } = req;
    if (req.api === 'fetch') return encodeFetch(correlationId, result as FetchResult, 'fetch');
    const body = (CODECS[req.api as ApiName] as WsApiCodec<ApiName>).response(result as never);
    return frameOf(encodeResponse({ correlationId, [req.api]: body }));
  },

  encodeError(req: DecodedRequest, err: StrataError): OutgoingFrame {
    return errorFrame(req.correlationId, err);
  },

  // The field goes after the body (protobuf merges appended fields); the transport joins the
  // chunks into one message, a copy paid by throttled answers only. The broker holds the answer
  // (clientThrottles absent): the SDK counts the throttle, it does not wait on its own.
  withThrottleTime(_req: DecodedRequest, frame: OutgoingFrame, throttleMs: number): OutgoingFrame {
    const tail = encodeThrottleTimeTail(throttleMs);
    const bytes = Array.isArray(frame.bytes) ? [...frame.bytes, tail] : [frame.bytes as Uint8Array, tail];
    const out = { bytes, byteLength: frame.byteLength + tail.length };
    return frame.sent ? { ...out, sent: frame.sent } : out;
  },

  // A subscription's batches: the fetch frame under Response.pushed, its correlation id the subscription's.
  encodePushed(subscriptionId: number, batches: PushedBatches): OutgoingFrame {
    return encodeFetch(subscriptionId, batches, 'pushed');
  },
};

function encodeFetch(correlationId: number, result: FetchResult | PushedBatches, field: FetchFrameField): OutgoingFrame {
  let pooled: Buffer | null = null;
  let bytes: Buffer;
  try {
    bytes = encodeFetchResponseFrame(correlationId, result,
      (n) => n < POOL_BUFFER_BYTES_MIN ? Buffer.allocUnsafe(n) : (pooled = fetchFramePool.acquire(n)), field);
  } finally {
    // The frame holds a copy of the records (or there is no frame): their read buffers can serve the next fetch.
    result.release();
  }
  const backing: Buffer | null = pooled;
  return frameOf(bytes, backing === null ? undefined : (written) => { if (written) fetchFramePool.release(backing); });
}
