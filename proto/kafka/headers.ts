/**
 * Request and response headers (RequestHeader.json, ResponseHeader.json).
 *
 *   request header v1: api_key int16, api_version int16, correlation_id int32, client_id
 *                      nullable string (int16 length)
 *   request header v2: v1 + tagged fields; client_id keeps its int16 length so that any broker
 *                      can read the header of an ApiVersions request newer than it knows
 *   response header v0: correlation_id int32;  v1: v0 + tagged fields
 *
 * A request in a flexible version of its API has header v2 and its response header v1; otherwise
 * v1 and v0. ApiVersions is the exception: its response header is always v0, so a client can read
 * the answer before it knows what the broker speaks (KIP-511). Header v0 (no client id) is only
 * used by ControlledShutdown v0, which no client sends.
 */
import { decodeStruct, encodeStruct } from './codec.js';
import { KafkaReader } from './reader.js';
import { field, type Decoded } from './schema.js';
import { KafkaWriter } from './writer.js';

export const API_VERSIONS_KEY = 18;

const requestHeaderFields = [
  field('requestApiKey', 'int16', '0+'),
  field('requestApiVersion', 'int16', '0+'),
  field('correlationId', 'int32', '0+'),
  field('clientId', 'string', '1+', { nullable: '1+', flexibleVersions: 'none' }),
] as const;

const responseHeaderFields = [field('correlationId', 'int32', '0+')] as const;

export type RequestHeader = Decoded<typeof requestHeaderFields>;

/** Bytes of api_key + api_version + correlation_id, readable in every header version. */
export const REQUEST_HEADER_FIXED_BYTES = 8;

/** The key, version and correlation id, read without knowing the header version. */
export function peekRequestHeader(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (frame.length < REQUEST_HEADER_FIXED_BYTES) return null;
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

export function requestHeaderVersion(flexible: boolean): number {
  return flexible ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, flexible: boolean): number {
  return apiKey === API_VERSIONS_KEY ? 0 : flexible ? 1 : 0;
}

/** Reads the request header; the reader is left at the body. */
export function decodeRequestHeader(r: KafkaReader, flexible: boolean): RequestHeader {
  const version = requestHeaderVersion(flexible);
  return decodeStruct(r, requestHeaderFields, version, version >= 2);
}

export function encodeRequestHeader(w: KafkaWriter, header: RequestHeader, flexible: boolean): void {
  const version = requestHeaderVersion(flexible);
  encodeStruct(w, requestHeaderFields, version, version >= 2, header);
}

export function encodeResponseHeader(w: KafkaWriter, correlationId: number, apiKey: number, flexible: boolean): void {
  const version = responseHeaderVersion(apiKey, flexible);
  encodeStruct(w, responseHeaderFields, version, version >= 1, { correlationId });
}

export function decodeResponseHeader(r: KafkaReader, apiKey: number, flexible: boolean): number {
  const version = responseHeaderVersion(apiKey, flexible);
  return decodeStruct(r, responseHeaderFields, version, version >= 1).correlationId;
}
