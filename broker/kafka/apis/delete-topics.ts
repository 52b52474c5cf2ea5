/**
 * DeleteTopics: by name (v0-5). The topic's logs are removed; committed offsets of groups stay.
 */
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleDeleteTopics: KafkaHandler<'deleteTopics'> = async (ctx, req) => {
  const responses = [];
  for (const name of req.body.topicNames) {
    try {
      await ctx.services.topics.deleteTopic(name);
      responses.push({ name, errorCode: KafkaError.NONE });
    } catch (err) {
      ctx.logger.debug({ err, topic: name }, 'delete topic refused');
      responses.push({ name, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) });
    }
  }
  return { responses };
};
