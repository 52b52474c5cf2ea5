/**
 * ApiVersions: the handshake. The client states the protocol version it speaks; the broker
 * answers with its supported range, its APIs, its node id and the largest frame it accepts.
 * A version outside [PROTOCOL_VERSION_MIN, PROTOCOL_VERSION] is refused with
 * UnsupportedVersionError, so a client never talks past a broker that would misread it.
 */
import { FRAME_BYTES_MAX, PROTOCOL_VERSION, PROTOCOL_VERSION_MIN } from '../../../proto/constants.js';
import { UnsupportedVersionError } from '../../../proto/errors.js';
import type { RequestApi } from '../../../proto/messages.js';
import { BROKER_VERSION } from '../broker-version.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

/**
 * The APIs this broker serves (request-router.ts asserts its handler table matches). An API of
 * the schema missing here would be answered with UnsupportedVersionError, so clients can tell.
 */
export const SUPPORTED_APIS: readonly RequestApi[] = [
  'apiVersions', 'createTopics', 'deleteTopics', 'listTopics', 'metadata', 'produce', 'fetch',
  'listOffsets', 'initProducerId',
  'joinGroup', 'heartbeat', 'leaveGroup', 'offsetCommit', 'offsetFetch', 'listGroups', 'describeGroup',
  'resetOffsets', 'deleteGroups',
];

export async function handleApiVersions(
  ctx: RequestContext,
  req: strata.v1.ApiVersionsRequest.$Properties,
): Promise<strata.v1.ApiVersionsResponse.$Properties> {
  const asked = req.protocolVersion ?? 0;
  if (asked < PROTOCOL_VERSION_MIN || asked > PROTOCOL_VERSION) {
    throw new UnsupportedVersionError(
      `protocol version ${asked} is not supported; this broker speaks ${PROTOCOL_VERSION_MIN}-${PROTOCOL_VERSION}`);
  }
  ctx.logger.debug({ protocolVersion: asked, clientSoftware: req.clientSoftware }, 'handshake');
  return {
    protocolVersionMin: PROTOCOL_VERSION_MIN,
    protocolVersionMax: PROTOCOL_VERSION,
    apis: SUPPORTED_APIS.map((api) => ({ api, minVersion: PROTOCOL_VERSION_MIN, maxVersion: PROTOCOL_VERSION })),
    brokerVersion: BROKER_VERSION,
    nodeId: ctx.services.config.nodeId,
    frameBytesMax: Math.min(ctx.services.config.limits.frameBytesMax, FRAME_BYTES_MAX),
  };
}
