/**
 * The connection core's Transport over one TCP socket speaking Kafka's framing: a 4-byte
 * big-endian size, then the request (frame-splitter.ts). The size is checked against the frame
 * limit as soon as its 4 bytes are in, before anything of the frame is buffered; a lying prefix
 * destroys the socket, since no answer can be framed for a request that was never read.
 *
 * Reading: pauseReading() stops the socket and also holds the frames already split from its
 * last read (one read may carry many pipelined requests), so no request past the in-flight
 * limit reaches the core; resumeReading() delivers them, in order, until paused again. At most
 * one socket read's worth of frames is held.
 *
 * Writes: every answer written in one event-loop turn goes out under one cork, so pipelined
 * answers (and a fetch answer's header and record chunks) leave in as few TCP segments as
 * possible; the socket is uncorked on the next tick.
 *
 * Close reasons: 'invalid-payload' and 'protocol-error' (a request that cannot be read) destroy
 * the socket at once: Kafka has no layout to answer them in. Any other reason ends it
 * gracefully: what is queued is still written. Kafka has no ping, so the idle sweep closes a
 * connection silent for the idle timeout once nothing is in flight (connection-core.ts).
 *
 * Event-loop only.
 */
import type { Socket } from 'node:net';
import type { ConnectionCore } from '../server/connection-core.js';
import type { CloseReason, Transport } from '../server/transport.js';
import { FrameSplitter } from './frame-splitter.js';

export class KafkaTransport implements Transport {
  readonly remoteAddress: string;
  readonly tls: boolean;
  private corked = false;
  private ending = false;
  private paused = false;
  private held: Buffer[] = [];
  private receiver: ((frame: Buffer) => void) | null = null;

  constructor(private readonly socket: Socket) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // A TLSSocket (the listener's SSL mode) says so; a plain socket has no `encrypted`.
    this.tls = (socket as Socket & { encrypted?: boolean }).encrypted === true;
    socket.setNoDelay(true);
  }

  send(frame: Uint8Array | readonly Uint8Array[], done: (err?: Error) => void): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    const written = (err?: Error | null): void => done(err ?? undefined);
    if (!Array.isArray(frame)) {
      this.socket.write(frame as Uint8Array, written);
      return;
    }
    const chunks = frame as readonly Uint8Array[];
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!);
    this.socket.write(chunks[last]!, written);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  pauseReading(): void {
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    this.paused = false;
    while (!this.paused && !this.ending && this.held.length > 0) this.receiver?.(this.held.shift()!);
    if (!this.paused) this.socket.resume();
  }

  /** Hands one frame split from the stream to `receive`, or holds it while reading is paused. */
  deliver(frame: Buffer, receive: (frame: Buffer) => void): void {
    this.receiver = receive;
    if (this.ending) return;
    if (this.paused) this.held.push(frame);
    else receive(frame);
  }

  close(reason: CloseReason, _message: string): void {
    this.ending = true;
    this.held = [];
    if (reason === 'invalid-payload' || reason === 'protocol-error') this.socket.destroy();
    else if (!this.socket.writableEnded) this.socket.end();
  }

  terminate(): void {
    this.ending = true;
    this.held = [];
    this.socket.destroy();
  }

  get isOpen(): boolean {
    return !this.ending && !this.socket.destroyed && this.socket.writable;
  }

  /** True once close() or terminate() ran: frames still in the stream are not delivered. */
  get isEnding(): boolean {
    return this.ending;
  }
}

/** Feeds `socket`'s bytes, split into frames of at most `frameBytesMax`, into `core`. */
export function attachSocket(socket: Socket, transport: KafkaTransport, core: ConnectionCore, frameBytesMax: number): void {
  const splitter = new FrameSplitter(frameBytesMax);
  const receive = (frame: Buffer): void => core.receive(frame);
  const onFrame = (frame: Buffer): void => transport.deliver(frame, receive);
  socket.on('data', (chunk: Buffer) => {
    if (transport.isEnding) return;
    const err = splitter.push(chunk, onFrame);
    if (err) {
      core.ctx.logger.debug({ size: err.size, kind: err.kind, frameBytesMax }, 'kafka frame size refused; closing');
      transport.close('protocol-error', `frame size ${err.size} refused`);
    }
  });
  socket.on('error', (err) => core.ctx.logger.debug({ err }, 'kafka socket error'));
  socket.on('close', (hadError) => core.onTransportClosed({ hadError }));
}
