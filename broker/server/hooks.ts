/**
 * Where security, quotas and metrics plug into every request of every listener. The connection
 * core (connection-core.ts) calls each hook at one place, in this order:
 *
 *   connection opens      → security.connectionPrincipal(info)       the connection's first principal
 *   request decoded       → security.authorize(ctx, api, command)    before the handler; a thrown
 *                                                                     StrataError answers the request
 *   handler done, encoded → throttle.delayMs(ctx, completion)        > 0: the response is held that
 *                                                                     long and the connection is not
 *                                                                     read meanwhile (Kafka's quota mute)
 *                         → observer.onRequestComplete(ctx, c)      once per request, answered or not
 *
 * The produce and fetch handlers also report records and bytes per topic to
 * BrokerServices.traffic (TrafficObserver below), for every listener.
 *
 * The defaults below pass everything through: anonymous principal, every API allowed, no
 * throttling, nothing observed. Hooks run on the event loop on every request: keep them cheap
 * (no allocation per call in the pass-through case) and never throw from the observer.
 */
import type { StrataError } from '../../proto/errors.js';
import { ANONYMOUS_PRINCIPAL, type ListenerName, type RequestContext } from './request-context.js';

/** What is known of a connection when it opens. */
export interface ConnectionInfo {
  readonly listener: ListenerName;
  readonly remoteAddress: string;
  /** `User:<subject DN>` of a verified TLS client certificate (mutual TLS); absent without one. */
  readonly certificatePrincipal?: string | undefined;
}

export interface SecurityHook {
  /** The principal a new connection starts with (a TLS client certificate may name one). */
  connectionPrincipal(info: ConnectionInfo): string;
  /**
   * Called before every request's handler; throw a StrataError (TopicAuthorizationFailedError,
   * ClusterAuthorizationFailedError...) to refuse the whole request. Checks per item (one topic
   * of several) belong in the handlers, which see `ctx.principal`.
   */
  authorize(ctx: RequestContext, api: string, command: unknown): void | Promise<void>;
}

/** One request as the observer and the throttle see it. */
export interface RequestCompletion {
  readonly api: string;
  /** From the decoded frame to the encoded answer (ms, fractional). */
  readonly durationMs: number;
  /** The request-level failure, or null. Per-item failures are in the result, not here. */
  readonly error: StrataError | null;
  readonly bytesIn: number;
  /** Bytes of the answer; 0 when nothing was sent (acks=none, connection gone). */
  readonly bytesOut: number;
}

export interface ThrottleHook {
  /** How long to hold this response and stop reading the connection, in ms (0: not at all). */
  delayMs(ctx: RequestContext, completion: RequestCompletion): number;
}

export interface RequestObserver {
  onRequestComplete(ctx: RequestContext, completion: RequestCompletion): void;
}

/**
 * Records and bytes per topic, as the produce and fetch handlers of every listener see them
 * (BrokerServices.traffic; absent: nobody counts). Called once per partition of a request, with
 * counts read from batch headers: per-batch work, never per record. Must not throw.
 */
export interface TrafficObserver {
  /** A produce appended `records` records in `bytes` bytes of batches (retried duplicates are not counted). */
  produced(topic: string, records: number, bytes: number): void;
  /** A fetch answered `records` records in `bytes` bytes of batches. */
  fetched(topic: string, records: number, bytes: number): void;
}

export interface ServerHooks {
  readonly security: SecurityHook;
  readonly throttle: ThrottleHook;
  readonly observer: RequestObserver;
}

export const ALLOW_ALL: SecurityHook = Object.freeze({
  connectionPrincipal: () => ANONYMOUS_PRINCIPAL,
  authorize: () => undefined,
});

export const NO_THROTTLE: ThrottleHook = Object.freeze({ delayMs: () => 0 });

export const NO_OBSERVER: RequestObserver = Object.freeze({ onRequestComplete: () => undefined });

export const PASS_THROUGH_HOOKS: ServerHooks = Object.freeze({
  security: ALLOW_ALL,
  throttle: NO_THROTTLE,
  observer: NO_OBSERVER,
});

/** `hooks` with the pass-through default for every hook not given. */
export function withDefaultHooks(hooks: Partial<ServerHooks> | undefined): ServerHooks {
  if (!hooks) return PASS_THROUGH_HOOKS;
  return {
    security: hooks.security ?? ALLOW_ALL,
    throttle: hooks.throttle ?? NO_THROTTLE,
    observer: hooks.observer ?? NO_OBSERVER,
  };
}
