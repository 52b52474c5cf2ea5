/**
 * FindCoordinator: this broker coordinates every group. Transaction coordinators (key type 1)
 * do not exist here: COORDINATOR_NOT_AVAILABLE.
 */
import { KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

const KEY_TYPE_GROUP = 0;

export const handleFindCoordinator: KafkaHandler<'findCoordinator'> = async (ctx, req) => {
  const { nodeId } = ctx.services.config;
  const { host, port } = ctx.advertised;
  const ok = req.body.keyType === KEY_TYPE_GROUP;
  const errorCode = ok ? KafkaError.NONE : KafkaError.COORDINATOR_NOT_AVAILABLE;
  const errorMessage = ok ? null : 'transactions are not supported by this broker';
  if (req.apiVersion >= 4) {
    return { coordinators: req.body.coordinatorKeys.map((key) => ({ key, nodeId: ok ? nodeId : -1, host: ok ? host : '', port: ok ? port : -1, errorCode, errorMessage })) };
  }
  return ok ? { errorCode, errorMessage, nodeId, host, port } : { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
};
