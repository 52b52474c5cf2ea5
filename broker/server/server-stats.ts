/**
 * Counters of a listener, for operators and tests: monotonically increasing since
 * start, plain numbers updated in place by the server and its connections (single-threaded, so
 * no synchronization). Broker.stats returns a copy.
 */
export interface ServerStats {
  connectionsAccepted: number;
  /** Connections refused at accept with HTTP 503: maxConnections reached and no handshake pending to drop. */
  connectionsRefused: number;
  /** Connections dropped because they did not upgrade within handshakeTimeoutMs. */
  handshakesTimedOut: number;
  /** Pending handshakes dropped (oldest first) to make room under pendingHandshakesMax or maxConnections. */
  handshakesEvicted: number;
  requests: number;
  /** Requests answered with TooManyRequestsError (or dropped, for acks=NONE). */
  requestsRejectedInFlight: number;
  /** Fetches that waited because their connection's send queue was over the slow-consumer cap. */
  fetchesHeld: number;
  slowConsumersTerminated: number;
  idleConnectionsTerminated: number;
  /** Frames that did not decode (text frames included). */
  malformedFrames: number;
  /** Plain HTTP requests the parser could not read (answered 400/431 and closed). */
  badHttpRequests: number;
  /** WebSocket upgrades refused with 403: a browser Origin the allow-list does not name. */
  upgradesRefusedOrigin: number;
  /** Connections closed at TCP accept by the per-IP limits (too many open, or too many attempts a second). */
  connectionsRefusedPerIp: number;
  /** TLS handshakes that failed (plaintext or garbage on a TLS port, a refused or missing client certificate). */
  tlsHandshakesFailed: number;
  /** Frames of pushed batches sent to subscribers (subscription-set.ts). */
  pushFrames: number;
  /** Record bytes in those frames. */
  pushRecordBytes: number;
  /** Times a subscription used up its credit and stopped sending until the client gave more. */
  pushCreditStalls: number;
}

export function newServerStats(): ServerStats {
  return {
    connectionsAccepted: 0, connectionsRefused: 0, handshakesTimedOut: 0, handshakesEvicted: 0, requests: 0,
    requestsRejectedInFlight: 0, fetchesHeld: 0,
    slowConsumersTerminated: 0, idleConnectionsTerminated: 0, malformedFrames: 0, badHttpRequests: 0, upgradesRefusedOrigin: 0,
    connectionsRefusedPerIp: 0,
    tlsHandshakesFailed: 0,
    pushFrames: 0, pushRecordBytes: 0, pushCreditStalls: 0,
  };
}
