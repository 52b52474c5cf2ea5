/**
 * SaslHandshake and SaslAuthenticate (KIP-152): the handshake names the mechanism, then each
 * SaslAuthenticate carries one SASL token each way, inside Kafka framing (SaslHandshake v1).
 * The exchange itself is the listener-neutral login (broker/security/sasl-login.ts): SCRAM-SHA-256
 * and SCRAM-SHA-512, PLAIN only over TLS.
 *
 * A failure is answered in the API's layout (UNSUPPORTED_SASL_MECHANISM with the offered list,
 * SASL_AUTHENTICATION_FAILED with Kafka's message, ILLEGAL_SASL_STATE) and the connection is
 * closed after that answer, as a Kafka broker does.
 *
 * SaslHandshake v0 (raw SASL tokens after the handshake, without Kafka headers: kafka-python
 * 2.0.2 sends it) is refused with UNSUPPORTED_VERSION; clients that send v1 (librdkafka, kcat,
 * kafkajs, the Java client) are served.
 */
import { StrataError } from '../../../proto/errors.js';
import { beginSaslLogin, saslMechanismsFor, stepSaslLogin } from '../../security/sasl-login.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleSaslHandshake: KafkaHandler<'saslHandshake'> = async (ctx, req) => {
  const mechanisms = saslMechanismsFor(ctx.request);
  if (mechanisms.length === 0) return { errorCode: KafkaError.UNSUPPORTED_SASL_MECHANISM, mechanisms };
  if (req.apiVersion === 0) {
    ctx.request.session?.closeAfterAnswer('SaslHandshake v0 (unframed SASL tokens) is not supported');
    return { errorCode: KafkaError.UNSUPPORTED_VERSION, mechanisms };
  }
  try {
    beginSaslLogin(ctx.request, req.body.mechanism);
    return { errorCode: KafkaError.NONE, mechanisms };
  } catch (err) {
    return { errorCode: kafkaErrorCode(err), mechanisms };
  }
};

export const handleSaslAuthenticate: KafkaHandler<'saslAuthenticate'> = async (ctx, req) => {
  try {
    const step = await stepSaslLogin(ctx.request, req.body.authBytes ?? Buffer.alloc(0));
    return { errorCode: KafkaError.NONE, errorMessage: null, authBytes: Buffer.from(step.challenge), sessionLifetimeMs: 0 };
  } catch (err) {
    const message = err instanceof StrataError ? err.message : 'authentication failed';
    return { errorCode: kafkaErrorCode(err), errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  }
};
