/**
 * The Kafka protocol's WireCodec for the connection core: one size-prefixed request frame in
 * (the transport has split the stream), one response out, in the layouts of proto/kafka. Pure:
 * no sockets, no storage.
 *
 * Decoded requests: the APIs of SHARED_MAPPINGS (kafka-apis.ts: Produce, Fetch, Heartbeat,
 * DeleteTopics, DeleteGroups) become the shared commands of the API table under its names
 * (codec/record-apis.ts, codec/group-topic-apis.ts), so they run the WebSocket protocol's
 * handlers and the core's in-flight, acks and slow-consumer rules apply to them as to its; every
 * other API keeps its Kafka name and the decoded Kafka request as its command, for its Kafka
 * handler (kafka-apis.ts). `ctx.listener` is 'kafka' for all.
 *
 * Refused frames:
 * - malformed (short header, lying lengths, bytes left over): no answer (no layout the client
 *   reads could carry it) and the connection is closed at once ('invalid-payload');
 * - unknown API key or version: ApiVersions gets the KIP-511 v0 answer and the connection stays;
 *   any other API gets the bare UNSUPPORTED_VERSION frame and the connection is closed after
 *   it ('unsupported-data'), since no layout the client expects can carry it;
 * - a request before the SASL login (the security hook's IllegalSaslStateError for an API other
 *   than ApiVersions and the SASL exchange): the connection is closed, unanswered, as Kafka's
 *   SaslServerAuthenticator does: the client was not configured for SASL, and no answer it
 *   expects can say so;
 * - a request the codec answers itself (produce with bad acks or a transactional id, fetch with
 *   a session): that answer, and the connection stays.
 *
 * Quotas: a throttled answer gets its throttle_time_ms written into the encoded frame
 * (proto/kafka/throttle-time.ts); from each API's KIP-219 version on the client throttles itself,
 * so the core sends such answers at once and mutes the connection after them.
 */
import { IllegalSaslStateError, InvalidRequestError, StrataError, UnsupportedVersionError } from '../../proto/errors.js';
import {
  API_VERSIONS_KEY, clientThrottles, decodeRequest, encodeApiVersionsFallback, encodeResponse, encodeUnsupportedResponse,
  throttleTimePosition, writeThrottleTime, type DecodedFrame, type KafkaApiName, type KafkaRequest, type KafkaResponseBody,
} from '../../proto/kafka/index.js';
import type { DecodedRequest, DecodeOutcome, OutgoingFrame, WireCodec } from '../server/transport.js';
import { errorBodyOf } from './codec/error-bodies.js';
import { isDirectAnswer, type DirectAnswer, type SharedMapping } from './codec/shared-mapping.js';
import { PRE_AUTH_APIS } from '../security/broker-security.js';
import { isServed, servedApiKeys, SHARED_MAPPINGS } from './kafka-apis.js';
import { kafkaErrorCode, kafkaErrorMessage } from './kafka-errors.js';

/** A decoded Kafka request as the core carries it: the Kafka request rides along for the answer. */
interface KafkaDecodedRequest extends DecodedRequest {
  readonly kafka: KafkaRequest;
  /** Set for an API that runs a shared handler: the mapping back, and what it kept for the answer. */
  readonly mapping?: SharedMapping<KafkaApiName>;
  readonly extra?: unknown;
}

function frameOf(chunks: Buffer[], sent?: (written: boolean) => void): OutgoingFrame {
  let byteLength = 0;
  for (const c of chunks) byteLength += c.length;
  return sent ? { bytes: chunks, byteLength, sent } : { bytes: chunks, byteLength };
}

/** Frames encoded in their API's full response layout: only those may have throttle_time_ms written in. */
const laidOut = new WeakSet<OutgoingFrame>();

function laidOutFrame(frame: OutgoingFrame): OutgoingFrame {
  laidOut.add(frame);
  return frame;
}

function encodeBody(req: KafkaRequest, body: unknown): Buffer[] {
  return encodeResponse(req.api, req.apiVersion, req.correlationId, body as KafkaResponseBody<KafkaApiName>);
}

function unsupported(correlationId: number, apiKey: number, apiVersion: number): DecodeOutcome {
  const error = new UnsupportedVersionError(`API key ${apiKey} version ${apiVersion} is not served by this broker`);
  if (apiKey === API_VERSIONS_KEY) {
    return { refusal: { error, response: frameOf(encodeApiVersionsFallback(correlationId, servedApiKeys())), close: null } };
  }
  return {
    refusal: {
      error,
      response: frameOf(encodeUnsupportedResponse(correlationId)),
      close: { reason: 'unsupported-data', message: 'unsupported API or version' },
    },
  };
}

function answeredDirectly(req: KafkaRequest, direct: DirectAnswer<unknown>): DecodeOutcome {
  return {
    refusal: {
      error: new InvalidRequestError(direct.reason),
      response: direct.answer === null ? null : frameOf(encodeBody(req, direct.answer)),
      close: null,
    },
  };
}

export const kafkaCodec: WireCodec = {
  decode(frame: Buffer): DecodeOutcome {
    let decoded: DecodedFrame;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      const error = err instanceof StrataError ? err : new InvalidRequestError('malformed Kafka request', { cause: err });
      return { refusal: { error, response: null, close: { reason: 'invalid-payload', message: 'malformed request' } } };
    }
    if (decoded.kind === 'unsupported') {
      const u = decoded.unsupported;
      return unsupported(u.correlationId, u.apiKey, u.apiVersion);
    }
    const kafka = decoded.request;
    if (!isServed(kafka.api)) return unsupported(kafka.correlationId, kafka.apiKey, kafka.apiVersion);
    const base = { correlationId: kafka.correlationId, kafka, ...(kafka.clientId === null ? {} : { clientId: kafka.clientId }) };
    const mapping = SHARED_MAPPINGS[kafka.api] as SharedMapping<KafkaApiName> | undefined;
    if (mapping) {
      const mapped = mapping.command(kafka as never);
      if (isDirectAnswer(mapped)) return answeredDirectly(kafka, mapped);
      const request: KafkaDecodedRequest = { ...base, api: mapping.shared, command: mapped.command, mapping, extra: mapped.extra };
      return { request };
    }
    const request: KafkaDecodedRequest = { ...base, api: kafka.api, command: kafka };
    return { request };
  },

  encodeResult(req: DecodedRequest, result: unknown): OutgoingFrame {
    const { kafka, mapping, extra } = req as KafkaDecodedRequest;
    if (!mapping) return laidOutFrame(frameOf(encodeBody(kafka, result)));
    const chunks = encodeBody(kafka, mapping.body(kafka as never, result, extra));
    // A fetch's records at least RECORDS_ZERO_COPY_BYTES_MIN long go out as views of the read
    // buffers, not copies: they are handed back once the socket has taken every byte.
    const release = (result as { release?: () => void }).release;
    return laidOutFrame(release ? frameOf(chunks, () => release()) : frameOf(chunks));
  },

  withThrottleTime(req: DecodedRequest, frame: OutgoingFrame, throttleMs: number): OutgoingFrame {
    if (!laidOut.has(frame)) return frame;
    const { kafka } = req as KafkaDecodedRequest;
    const at = throttleTimePosition(kafka.api, kafka.apiVersion, frame.byteLength);
    // The field lies in the bytes the encoder wrote (header and fixed fields), never in record views.
    if (at !== null) writeThrottleTime(Array.isArray(frame.bytes) ? frame.bytes : [frame.bytes as Uint8Array], at, throttleMs);
    return frame;
  },

  clientThrottles(req: DecodedRequest): boolean {
    const { kafka } = req as KafkaDecodedRequest;
    return clientThrottles(kafka.api, kafka.apiVersion);
  },

  closesAfter(req: DecodedRequest, err: StrataError) {
    if (!(err instanceof IllegalSaslStateError) || PRE_AUTH_APIS.has(req.api)) return null;
    return { reason: 'protocol-error', message: 'request before SASL authentication' } as const;
  },

  encodeError(req: DecodedRequest, err: StrataError): OutgoingFrame {
    const { kafka } = req as KafkaDecodedRequest;
    const code = kafkaErrorCode(err);
    try {
      const body = errorBodyOf(kafka, code, kafkaErrorMessage(err));
      if (body) return laidOutFrame(frameOf(encodeBody(kafka, body)));
    } catch {
      // Falls through to the bare frame below; encodeError must not throw.
    }
    // Size, correlation id and the code: what a v0 layout with a leading error code reads.
    const bare = Buffer.alloc(10);
    bare.writeInt32BE(6, 0);
    bare.writeInt32BE(kafka.correlationId, 4);
    bare.writeInt16BE(code, 8);
    return frameOf([bare]);
  },
};
