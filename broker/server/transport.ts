/**
 * The two sides a listener plugs into the connection core: a Transport (moves bytes) and a
 * WireCodec (turns bytes into commands and results into bytes). The core (connection-core.ts)
 * knows neither sockets nor formats; the WebSocket listener (broker/ws/) supplies a `ws`
 * transport and the protobuf codec, a TCP listener a socket transport and the Kafka codec.
 */
import type { StrataError } from '../../proto/errors.js';
import type { PushedBatches } from './subscription-set.js';

/** Why a connection is closed, in words every transport maps to its own codes (RFC 6455 codes for WebSocket). */
export type CloseReason =
  | 'going-away' // broker shutting down
  | 'idle' // no traffic for the idle timeout
  | 'protocol-error' // the peer broke the framing rules
  | 'auth-failed' // a failed login: the answer that says so goes out first
  | 'unsupported-data' // a kind of frame the protocol does not carry (WebSocket text frames)
  | 'invalid-payload' // a frame that cannot be read, not even to answer it
  | 'try-again-later'; // a limit refused the connection

/** A connection's byte pipe. Event-loop only. */
export interface Transport {
  /** Queues a frame; `done` runs once it is written to the kernel, with an error if it never will be. */
  send(frame: Uint8Array | readonly Uint8Array[], done: (err?: Error) => void): void;
  /** Bytes queued in user space and not yet written (the slow-consumer gate reads it). */
  readonly bufferedAmount: number;
  /** Stop delivering frames (in-flight limit in 'pause' mode, throttling); TCP then pushes back on the peer. */
  pauseReading(): void;
  resumeReading(): void;
  /** Graceful close: what is queued still goes out. */
  close(reason: CloseReason, message: string): void;
  /** Drop the connection now. */
  terminate(): void;
  /** A keepalive probe, when the protocol has one (WebSocket ping; the peer's pong counts as traffic). */
  ping?(): void;
  readonly isOpen: boolean;
  /** `host:port` of the peer. */
  readonly remoteAddress: string;
  /** Whether the bytes travel over TLS. @default false */
  readonly tls?: boolean;
}

/** A decoded request frame. */
export interface DecodedRequest {
  /** Echoed in the answer; the codec's business (the core only logs it). */
  readonly correlationId: number;
  /** An API of the API table (api-table.ts). */
  readonly api: string;
  readonly command: unknown;
  /** Set when the frame names its client (a Kafka request header, the WebSocket handshake). */
  readonly clientId?: string;
}

/** A frame that decodes to no request: what to answer, if anything, and whether to close. */
export interface DecodeRefusal {
  readonly error: StrataError;
  readonly response: OutgoingFrame | null;
  readonly close: { readonly reason: CloseReason; readonly message: string } | null;
}

export type DecodeOutcome = { readonly request: DecodedRequest } | { readonly refusal: DecodeRefusal };

/** Bytes ready for the transport. */
export interface OutgoingFrame {
  readonly bytes: Uint8Array | readonly Uint8Array[];
  readonly byteLength: number;
  /** Runs once the transport wrote the frame (true) or gave up on it (false): recycle its buffers. */
  readonly sent?: (written: boolean) => void;
}

export interface WireCodec {
  /** `binary` is false for a WebSocket text frame; always true for byte-stream protocols. */
  decode(frame: Buffer, binary: boolean): DecodeOutcome;
  /**
   * Encodes a handler's result. Takes over a fetch result's read buffers (`release()`): the
   * codec releases them once its frame no longer needs them (after copying them in, or from
   * `sent`). May throw; the core then answers UnknownServerError and releases them itself.
   */
  encodeResult(req: DecodedRequest, result: unknown): OutgoingFrame;
  /** Encodes a request-level failure in the API's own layout. Must not throw. */
  encodeError(req: DecodedRequest, err: StrataError): OutgoingFrame;
  /**
   * For a request-level failure after which the protocol cannot go on (a Kafka request before
   * the SASL login): how to close instead of answering. Absent or null: the failure is answered.
   */
  closesAfter?(req: DecodedRequest, err: StrataError): { readonly reason: CloseReason; readonly message: string } | null;
  /**
   * The encoded answer carrying the throttle time a quota applied to it (Kafka's and the
   * WebSocket Response's throttle_time_ms), written in after encoding since the quota measures
   * the encoded answer. Absent, or the frame itself: the layout has no such field.
   */
  withThrottleTime?(req: DecodedRequest, frame: OutgoingFrame, throttleMs: number): OutgoingFrame;
  /**
   * Whether the client holds its own requests for the throttle time it reads (Kafka's KIP-219
   * versions): the answer then goes at once and the connection is muted after it. Absent or
   * false: the broker holds the answer for the throttle time, reading nothing meanwhile.
   */
  clientThrottles?(req: DecodedRequest): boolean;
  /**
   * Encodes a subscription's pushed batches (subscription-set.ts), taking over their read buffers
   * as encodeResult does a fetch result's. Absent: the protocol has no push delivery, and the
   * subscribe APIs answer UnsupportedVersionError.
   */
  encodePushed?(subscriptionId: number, batches: PushedBatches): OutgoingFrame;
}
