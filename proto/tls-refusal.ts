/**
 * How the WebSocket listener says "your TLS client certificate was refused" under mutual TLS.
 *
 * Node's TLS server, left to refuse a bad client certificate itself, closes the socket right
 * after a TLS 1.3 handshake the client already considers complete: the client sees only
 * "socket hang up", which looks like a network failure and is retried. So the listener
 * completes the handshake, and answers the upgrade (or any HTTP request) of a connection whose
 * certificate did not verify with 403 and this header, whose value is the reason (Node's
 * verification code, or `no certificate`). Clients turn it into TlsHandshakeError.
 */
export const TLS_REFUSAL_HEADER = 'x-strata-tls-refusal';
