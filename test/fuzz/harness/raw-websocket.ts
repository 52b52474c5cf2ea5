/**
 * A WebSocket opened by hand over a plain TCP socket, so a test can write frames no WebSocket
 * library would send: payload lengths that lie, reserved bits, unmasked client frames, oversized
 * control frames, fragments that never end. RFC 6455 section 5.2 framing:
 *
 *   byte 0: FIN(1) RSV1-3(3) opcode(4)     byte 1: MASK(1) payload length(7)
 *   then 16-bit (len 126) or 64-bit (len 127) extended length, then the 4-byte mask key if MASK,
 *   then the payload (XOR-ed with the mask key).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawFrameOptions {
  fin?: boolean;
  /** Reserved bits, 0-7 (RSV1 = 4). */
  rsv?: number;
  opcode: number;
  payload?: Buffer;
  /** Declared payload length, if it should differ from the payload's. */
  declaredLength?: bigint;
  /** Clients must mask; false sends an unmasked frame. @default true */
  mask?: boolean;
}

export function encodeFrame(o: RawFrameOptions): Buffer {
  const payload = o.payload ?? Buffer.alloc(0);
  const length = o.declaredLength ?? BigInt(payload.length);
  const masked = o.mask ?? true;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (o.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(length);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export interface RawWebSocket {
  socket: Socket;
  /** Resolves with the close code the server sent (or 1006 if the socket just ended). */
  closed: Promise<number>;
  /** Milliseconds from open until the socket closed. */
  closedAfterMs(): number;
}

/** Performs the HTTP upgrade on a plain socket and hands back the socket for raw frames. */
export function openRawWebSocket(url: string): Promise<RawWebSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const key = randomBytes(16).toString('base64');
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let openedAt = 0;
    let closedAt = 0;
    let closeCode = 1006;
    let resolveClosed!: (code: number) => void;
    const closed = new Promise<number>((r) => { resolveClosed = r; });
    socket.on('error', (err) => { if (!upgraded) reject(err); });
    socket.on('close', () => {
      closedAt = Date.now();
      resolveClosed(closeCode);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        if (!/^HTTP\/1\.1 101/.test(head)) {
          reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        openedAt = Date.now();
        resolve({ socket, closed, closedAfterMs: () => (closedAt || Date.now()) - openedAt });
      }
      // Look for a close frame from the server (opcode 8) to learn its code.
      while (buffered.length >= 2) {
        const opcode = buffered[0]! & 0x0f;
        let len = buffered[1]! & 0x7f;
        let at = 2;
        if (len === 126) { if (buffered.length < 4) return; len = buffered.readUInt16BE(2); at = 4; }
        else if (len === 127) { if (buffered.length < 10) return; len = Number(buffered.readBigUInt64BE(2)); at = 10; }
        if (buffered.length < at + len) return;
        if (opcode === 8 && len >= 2) closeCode = buffered.readUInt16BE(at);
        buffered = buffered.subarray(at + len);
      }
    });
    socket.write([
      `GET / HTTP/1.1`, `Host: ${hostname}:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', '', '',
    ].join('\r\n'));
  });
}
