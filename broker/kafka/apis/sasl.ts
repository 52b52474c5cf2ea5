/**
 * SaslHandshake and SaslAuthenticate while this broker has no SASL mechanism enabled: the
 * handshake answers UNSUPPORTED_SASL_MECHANISM with an empty mechanism list (what a Kafka
 * listener without SASL says), and an authenticate step ILLEGAL_SASL_STATE. The security work
 * replaces these with real mechanisms.
 */
import { KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleSaslHandshake: KafkaHandler<'saslHandshake'> = async () => ({
  errorCode: KafkaError.UNSUPPORTED_SASL_MECHANISM, mechanisms: [],
});

export const handleSaslAuthenticate: KafkaHandler<'saslAuthenticate'> = async () => ({
  errorCode: KafkaError.ILLEGAL_SASL_STATE, errorMessage: 'no SASL mechanism is enabled on this listener', authBytes: Buffer.alloc(0),
});
