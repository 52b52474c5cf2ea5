/**
 * Maps a decoded Request to its handler (one file per API under handlers/) and wraps the result
 * in a Response. Any error a handler throws becomes Response.error with its wire code; errors
 * that are not StrataErrors are bugs or environment failures, logged at error level and sent as
 * UnknownServerError without their message (which may hold paths or internals).
 */
import assert from 'node:assert/strict';
import { InvalidRequestError, StrataError, UnsupportedVersionError, errorToWire } from '../../proto/errors.js';
import type { Request, RequestApi, ResponseProps } from '../../proto/messages.js';
import { SUPPORTED_APIS, handleApiVersions } from './handlers/api-versions.js';
import { handleCreateTopics } from './handlers/create-topics.js';
import { handleDeleteGroups } from './handlers/delete-groups.js';
import { handleDeleteTopics } from './handlers/delete-topics.js';
import { handleDescribeGroup } from './handlers/describe-group.js';
import { handleFetch } from './handlers/fetch.js';
import { handleHeartbeat } from './handlers/heartbeat.js';
import { handleInitProducerId } from './handlers/init-producer-id.js';
import { handleJoinGroup } from './handlers/join-group.js';
import { handleLeaveGroup } from './handlers/leave-group.js';
import { handleListGroups } from './handlers/list-groups.js';
import { handleListOffsets } from './handlers/list-offsets.js';
import { handleListTopics } from './handlers/list-topics.js';
import { handleMetadata } from './handlers/metadata.js';
import { handleOffsetCommit } from './handlers/offset-commit.js';
import { handleOffsetFetch } from './handlers/offset-fetch.js';
import { handleProduce } from './handlers/produce.js';
import { handleResetOffsets } from './handlers/reset-offsets.js';
import { NO_RESPONSE, type RequestContext } from './request-context.js';

type Handler = (ctx: RequestContext, body: never) => Promise<object | typeof NO_RESPONSE>;

const HANDLERS: Readonly<Partial<Record<RequestApi, Handler>>> = {
  apiVersions: handleApiVersions,
  createTopics: handleCreateTopics,
  deleteTopics: handleDeleteTopics,
  listTopics: handleListTopics,
  metadata: handleMetadata,
  produce: handleProduce,
  fetch: handleFetch,
  listOffsets: handleListOffsets,
  initProducerId: handleInitProducerId,
  joinGroup: handleJoinGroup,
  heartbeat: handleHeartbeat,
  leaveGroup: handleLeaveGroup,
  offsetCommit: handleOffsetCommit,
  offsetFetch: handleOffsetFetch,
  listGroups: handleListGroups,
  describeGroup: handleDescribeGroup,
  resetOffsets: handleResetOffsets,
  deleteGroups: handleDeleteGroups,
};

assert.deepEqual(Object.keys(HANDLERS).sort(), [...SUPPORTED_APIS].sort(), 'ApiVersions must list exactly the served APIs');

/** Runs the request's handler; resolves to the Response to send, or null for none. Never rejects. */
export async function routeRequest(ctx: RequestContext, req: Request): Promise<ResponseProps | null> {
  const correlationId = req.correlationId;
  const api = req.body;
  try {
    if (!api) throw new InvalidRequestError('request has no body or an unknown API');
    const handler = HANDLERS[api];
    if (!handler) throw new UnsupportedVersionError(`API ${api} is not served by this broker`);
    const body = await handler(ctx, req[api] as never);
    if (body === NO_RESPONSE) return null;
    return { correlationId, [api]: body };
  } catch (err) {
    if (err instanceof StrataError) ctx.logger.debug({ err, api, correlationId }, 'request failed');
    else ctx.logger.error({ err, api, correlationId }, 'request failed unexpectedly');
    return errorResponse(correlationId, err);
  }
}

export function errorResponse(correlationId: number, err: unknown): ResponseProps {
  return { correlationId, error: errorToWire(err) };
}

