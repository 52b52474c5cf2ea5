/**
 * ApiVersions: the handshake of the Strata protocol. The client states the protocol version it
 * speaks; the broker answers with its supported range, its APIs (the API table's names), its
 * node id and the largest frame it accepts. A version outside [PROTOCOL_VERSION_MIN,
 * PROTOCOL_VERSION] is refused with UnsupportedVersionError, so a client never talks past a
 * broker that would misread it. (Kafka's ApiVersions is the Kafka codec's business: its versions
 * are per API and come from its schema table.)
 */
import { FRAME_BYTES_MAX, PROTOCOL_VERSION, PROTOCOL_VERSION_MIN } from '../../../proto/constants.js';
import { UnsupportedVersionError } from '../../../proto/errors.js';
import { BROKER_VERSION } from '../broker-version.js';
import type { RequestContext } from '../request-context.js';

export interface ApiVersionsCommand {
  readonly protocolVersion: number;
  /** The client's name and version, for logs. */
  readonly clientSoftware: string;
}

export interface ApiVersionsResult {
  readonly protocolVersionMin: number;
  readonly protocolVersionMax: number;
  readonly apis: ReadonlyArray<{ readonly api: string; readonly minVersion: number; readonly maxVersion: number }>;
  readonly brokerVersion: string;
  readonly nodeId: number;
  readonly frameBytesMax: number;
}

/** The handler, answering with the APIs `servedApis()` lists (the API table; read per call, it is built after this). */
export function apiVersionsHandler(servedApis: () => readonly string[]) {
  return async function handleApiVersions(ctx: RequestContext, cmd: ApiVersionsCommand): Promise<ApiVersionsResult> {
    const asked = cmd.protocolVersion;
    if (asked < PROTOCOL_VERSION_MIN || asked > PROTOCOL_VERSION) {
      throw new UnsupportedVersionError(
        `protocol version ${asked} is not supported; this broker speaks ${PROTOCOL_VERSION_MIN}-${PROTOCOL_VERSION}`);
    }
    ctx.logger.debug({ protocolVersion: asked, clientSoftware: cmd.clientSoftware }, 'handshake');
    return {
      protocolVersionMin: PROTOCOL_VERSION_MIN,
      protocolVersionMax: PROTOCOL_VERSION,
      apis: servedApis().map((api) => ({ api, minVersion: PROTOCOL_VERSION_MIN, maxVersion: PROTOCOL_VERSION })),
      brokerVersion: BROKER_VERSION,
      nodeId: ctx.services.config.nodeId,
      frameBytesMax: Math.min(ctx.services.config.limits.frameBytesMax, FRAME_BYTES_MAX),
    };
  };
}
