/**
 * Whole Kafka messages: header + body, for both directions. `decodeRequest` is what a broker
 * runs on each frame; `encodeResponse` gives the chunks of the answer, size prefix included.
 * The client-direction pair (`encodeRequest`, `decodeResponse`) serves tests and tools.
 *
 * A frame here is the bytes after the 4-byte size prefix. A body must end exactly where the frame
 * does: bytes left over mean the two sides disagree about the schema, and are refused.
 */
import { InvalidRequestError } from '../errors.js';
import { apiByKey, apiNameByKey, isFlexible, KafkaApis, supportsVersion, type KafkaApiName } from './apis.js';
import { decodeStruct, encodeStruct } from './codec.js';
import {
  API_VERSIONS_KEY, decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader,
  peekRequestHeader,
} from './headers.js';
import { KafkaReader } from './reader.js';
import type { ApiSchema, DecodedResponseOf, RequestInputOf, RequestOf, ResponseOf } from './schema.js';
import { KafkaWriter } from './writer.js';

/** Kafka's UNSUPPORTED_VERSION error code. */
export const KAFKA_UNSUPPORTED_VERSION = 35;

type Apis = typeof KafkaApis;

export interface KafkaRequestOf<N extends KafkaApiName> {
  readonly api: N;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly body: RequestOf<Apis[N]>;
}

/** A decoded request, discriminated by `api`. */
export type KafkaRequest = { [N in KafkaApiName]: KafkaRequestOf<N> }[KafkaApiName];
export type KafkaResponseBody<N extends KafkaApiName> = ResponseOf<Apis[N]>;

/** A frame whose header is readable but whose key or version this broker does not serve. */
export interface UnsupportedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
}

export type DecodedFrame =
  | { readonly kind: 'request'; readonly request: KafkaRequest }
  | { readonly kind: 'unsupported'; readonly unsupported: UnsupportedRequest };

/**
 * Decodes one request frame. An unknown key or a version outside the served range is reported
 * as `unsupported` (its body is not read: its layout is unknown). A frame too short for a
 * header, or a malformed body, throws InvalidRequestError.
 */
export function decodeRequest(frame: Buffer): DecodedFrame {
  const peek = peekRequestHeader(frame);
  if (!peek) throw new InvalidRequestError(`request of ${frame.length} bytes is shorter than a header`);
  const api = apiByKey(peek.apiKey);
  if (!api || !supportsVersion(api, peek.apiVersion)) return { kind: 'unsupported', unsupported: peek };
  const flexible = isFlexible(api, peek.apiVersion);
  const r = new KafkaReader(frame);
  const header = decodeRequestHeader(r, flexible);
  const body = decodeStruct(r, api.request, peek.apiVersion, flexible);
  if (r.pos !== frame.length) {
    throw new InvalidRequestError(`${api.name} v${peek.apiVersion} request has ${frame.length - r.pos} bytes after its body`);
  }
  const request = {
    api: apiNameByKey(peek.apiKey)!,
    apiKey: peek.apiKey,
    apiVersion: peek.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
    body,
  } as KafkaRequest;
  return { kind: 'request', request };
}

function sizePrefixed(w: KafkaWriter, fill: (size: number) => void): Buffer[] {
  const size = w.size - 4;
  fill(size);
  return w.finish();
}

/** Encodes a response: the chunks to write, starting with the 4-byte size prefix. */
export function encodeResponse<N extends KafkaApiName>(
  name: N, version: number, correlationId: number, body: KafkaResponseBody<N>,
): Buffer[] {
  const api: ApiSchema = KafkaApis[name];
  const flexible = isFlexible(api, version);
  const w = new KafkaWriter();
  const fill = w.reserveInt32();
  encodeResponseHeader(w, correlationId, api.key, flexible);
  encodeStruct(w, api.response, version, flexible, body as never);
  return sizePrefixed(w, fill);
}

/**
 * The answer to an ApiVersions request of a version this broker does not serve (KIP-511): a v0
 * body with UNSUPPORTED_VERSION and the APIs served, so the client retries with a version both
 * know. v0 because it is the one layout every client can read.
 */
export function encodeApiVersionsFallback(
  correlationId: number, apiKeys: KafkaResponseBody<'apiVersions'>['apiKeys'],
): Buffer[] {
  return encodeResponse('apiVersions', 0, correlationId, { errorCode: KAFKA_UNSUPPORTED_VERSION, apiKeys });
}

/**
 * The answer to another API's unsupported key or version: the correlation id and an int16
 * UNSUPPORTED_VERSION. Its layout cannot match what the client expects for an API or version
 * this broker does not know, so the connection is closed after it (connection code's choice).
 */
export function encodeUnsupportedResponse(correlationId: number): Buffer[] {
  const w = new KafkaWriter(16);
  const fill = w.reserveInt32();
  w.int32(correlationId);
  w.int16(KAFKA_UNSUPPORTED_VERSION);
  return sizePrefixed(w, fill);
}

/** Client direction: one request, size prefix included, as one Buffer. */
export function encodeRequest<N extends KafkaApiName>(
  name: N, version: number, correlationId: number, clientId: string | null, body: RequestInputOf<Apis[N]>,
): Buffer {
  const api: ApiSchema = KafkaApis[name];
  const flexible = isFlexible(api, version);
  const w = new KafkaWriter();
  const fill = w.reserveInt32();
  encodeRequestHeader(w, { requestApiKey: api.key, requestApiVersion: version, correlationId, clientId }, flexible);
  encodeStruct(w, api.request, version, flexible, body as never);
  fill(w.size - 4);
  return w.toBuffer();
}

/** Client direction: a response frame (after its size prefix) for a request of `name` at `version`. */
export function decodeResponse<N extends KafkaApiName>(
  name: N, version: number, frame: Buffer,
): { correlationId: number; body: DecodedResponseOf<Apis[N]> } {
  const api: ApiSchema = KafkaApis[name];
  const flexible = isFlexible(api, version);
  const r = new KafkaReader(frame);
  const correlationId = decodeResponseHeader(r, api.key, flexible);
  const body = decodeStruct(r, api.response, version, flexible) as DecodedResponseOf<Apis[N]>;
  if (r.pos !== frame.length) throw new InvalidRequestError(`${api.name} v${version} response has bytes after its body`);
  return { correlationId, body };
}

export { API_VERSIONS_KEY };
