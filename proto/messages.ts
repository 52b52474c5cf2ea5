/**
 * Frame codec: one protobuf Request or Response per WebSocket binary frame. Pure functions,
 * no sockets, so both the broker connection and the client connection share them.
 */
import './pb-config.js';
import { strata } from './gen/strata.js';
import { FRAME_BYTES_MAX } from './constants.js';
import { InvalidRequestError, MessageTooLargeError } from './errors.js';

export const pb = strata.v1;
export type Request = strata.v1.Request;
export type Response = strata.v1.Response;
export type RequestProps = strata.v1.Request.$Properties;
export type ResponseProps = strata.v1.Response.$Properties;

/** The API names (the `body` oneof cases), as sent in ApiVersions. */
export const REQUEST_APIS = [
  'apiVersions', 'createTopics', 'deleteTopics', 'listTopics', 'metadata', 'produce', 'fetch',
  'listOffsets', 'initProducerId',
  // Consumer groups (oneof field numbers 30-49).
  'joinGroup', 'heartbeat', 'leaveGroup', 'offsetCommit', 'offsetFetch', 'listGroups', 'describeGroup',
  'resetOffsets', 'deleteGroups',
  // Cluster metadata for clients (oneof field numbers 50-54).
  'findCoordinator', 'clusterInfo',
  // Topic settings (oneof field numbers 90-99).
  'describeTopicConfigs', 'alterTopicConfigs',
  // Security administration and login (oneof field numbers 70-89).
  'createUser', 'listUsers', 'deleteUser', 'saslHandshake', 'saslAuthenticate',
  'createAcls', 'describeAcls', 'deleteAcls', 'alterQuotas', 'describeQuotas',
  // Broker to broker: replication (oneof field numbers 55-69).
  'replicaFetch', 'offsetsForLeaderEpoch',
  // The web console (oneof field numbers 100-109).
  'brokerStats',
  // Push delivery to tailing consumers (oneof field numbers 110-119).
  'subscribe', 'subscriptionCredit', 'unsubscribe',
] as const;
export type RequestApi = (typeof REQUEST_APIS)[number];

export function encodeRequest(req: RequestProps): Uint8Array {
  return pb.Request.encode(req).finish();
}

export function encodeResponse(res: ResponseProps): Uint8Array {
  return pb.Response.encode(res).finish();
}

/**
 * The bytes that set throttle_time_ms when appended to an encoded Response: protobuf merges
 * concatenated encodings of one message, so an answer already encoded (a fetch frame with its
 * records copied in) gains the field without being encoded again.
 */
export function encodeThrottleTimeTail(throttleTimeMs: number): Uint8Array {
  return pb.Response.encode({ throttleTimeMs: Math.max(0, Math.round(throttleTimeMs)) }).finish();
}

/** Decodes a request frame; any protobuf failure becomes InvalidRequestError. */
export function decodeRequest(frame: Uint8Array): Request {
  if (frame.length > FRAME_BYTES_MAX) throw new MessageTooLargeError(`frame of ${frame.length} bytes exceeds ${FRAME_BYTES_MAX}`);
  try {
    return pb.Request.decode(frame);
  } catch (err) {
    throw new InvalidRequestError(`malformed request frame: ${(err as Error).message}`, { cause: err });
  }
}

export function decodeResponse(frame: Uint8Array): Response {
  try {
    return pb.Response.decode(frame);
  } catch (err) {
    throw new InvalidRequestError(`malformed response frame: ${(err as Error).message}`, { cause: err });
  }
}
