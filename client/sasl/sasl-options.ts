/**
 * The SDK's login options and the login exchange run on each new connection, right after
 * ApiVersions and before anything else (the broker refuses other requests until then).
 */
import { InvalidConfigError, SaslAuthenticationFailedError } from '../../proto/errors.js';
import { isScramMechanism, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import { ScramClient } from './scram-client.js';

/** SASL login of every connection the client opens (brokers started with `--auth scram`). */
export interface SaslOptions {
  /** 'SCRAM-SHA-256' or 'SCRAM-SHA-512' (lower case accepted, as kafkajs writes them). */
  mechanism: ScramMechanism | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface ResolvedSasl {
  readonly mechanism: ScramMechanism;
  readonly username: string;
  readonly password: string;
}

export function resolveSaslOptions(o: SaslOptions | undefined): ResolvedSasl | null {
  if (o === undefined) return null;
  const mechanism = typeof o.mechanism === 'string' ? o.mechanism.toUpperCase() : '';
  if (!isScramMechanism(mechanism)) throw new InvalidConfigError(`sasl.mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, got ${String(o.mechanism)}`);
  if (typeof o.username !== 'string' || o.username.length === 0) throw new InvalidConfigError('sasl.username must be a non-empty string');
  if (typeof o.password !== 'string' || o.password.length === 0) throw new InvalidConfigError('sasl.password must be a non-empty string');
  return { mechanism, username: o.username, password: o.password };
}

/** One login's requests, sent by the connection ahead of its queue. */
export interface SaslTransport {
  handshake(mechanism: string): Promise<void>;
  authenticate(token: Uint8Array): Promise<{ authBytes: Uint8Array; complete: boolean }>;
}

/** Runs a SCRAM login; throws the broker's typed refusal, or SaslAuthenticationFailedError. */
export async function saslLogin(sasl: ResolvedSasl, send: SaslTransport): Promise<void> {
  const scram = new ScramClient(sasl);
  await send.handshake(sasl.mechanism);
  const serverFirst = await send.authenticate(scram.clientFirst());
  const serverFinal = await send.authenticate(await scram.clientFinal(serverFirst.authBytes));
  // Mutual authentication: the broker proves it holds the user's ServerKey.
  await scram.verifyServerFinal(serverFinal.authBytes);
  if (!serverFinal.complete) throw new SaslAuthenticationFailedError('the broker did not complete the SCRAM login');
}
