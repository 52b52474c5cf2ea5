/**
 * A TCP fault proxy of our own, put between two processes (broker → broker, broker → etcd) to
 * cut, delay and heal the link without touching either process:
 *
 *   const proxy = await startFaultProxy(targetPort);   // listens on 127.0.0.1:proxy.port
 *   proxy.cut();        // drop every open connection and refuse (reset) new ones
 *   proxy.blackhole();  // keep connections open but forward nothing (a partition that does not
 *                       // reset: the far side notices only through its own timeouts)
 *   proxy.hold();       // a partition as TCP lives it: connections stay open, nothing gets
 *                       // through, and on heal() the held bytes arrive, in order (what
 *                       // retransmission delivers after a partition shorter than the
 *                       // connection's timeouts)
 *   proxy.delay(200);   // forward every chunk 200 ms late (order kept per direction)
 *   proxy.heal();       // forward normally again (blackholed bytes are dropped, not replayed;
 *                       // held ones are delivered)
 *   proxy.retarget(p);  // later connections go to port p (a restarted process on a new port)
 *   await proxy.close();
 *
 * startFaultProxy(null) listens before it knows its target (a broker must be told the proxy's
 * port before it starts and picks its own): connections are reset until retarget().
 *
 * Bounded: each direction of a connection buffers at most PROXY_BUFFERED_BYTES_MAX while
 * delayed or held before it pauses its reader, and the proxy holds at most PROXY_CONNECTIONS_MAX
 * connections.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const PROXY_BUFFERED_BYTES_MAX = 8 * 1024 * 1024;
const PROXY_CONNECTIONS_MAX = 1_000;

export type LinkMode = 'open' | 'cut' | 'blackhole' | 'hold' | 'delay';

export interface FaultProxy {
  readonly port: number;
  readonly mode: LinkMode;
  cut(): void;
  blackhole(): void;
  hold(): void;
  delay(ms: number): void;
  heal(): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(initialTarget: number | null, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let targetPort = initialTarget;
  let mode: LinkMode = 'open';
  let delayMs = 0;
  const pairs = new Set<[Socket, Socket]>();
  /** Per direction of each connection while held: flushes what it holds, in order. */
  const releases = new Set<() => void>();
  const server: Server = createServer((client) => {
    if (mode === 'cut' || targetPort === null || pairs.size >= PROXY_CONNECTIONS_MAX) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    pipe(client, upstream);
    pipe(upstream, client);
  });

  function pipe(from: Socket, to: Socket): void {
    let queued = 0;
    let held: Buffer[] = [];
    let heldBytes = 0;
    const release = (): void => {
      releases.delete(release);
      if (!to.destroyed) for (const c of held) to.write(c);
      held = [];
      heldBytes = 0;
      if (from.isPaused()) from.resume();
    };
    from.on('close', () => releases.delete(release));
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      if (mode === 'hold') {
        held.push(chunk);
        heldBytes += chunk.length;
        releases.add(release);
        if (heldBytes > PROXY_BUFFERED_BYTES_MAX) from.pause();
        return;
      }
      if (mode !== 'delay') {
        to.write(chunk);
        return;
      }
      queued += chunk.length;
      if (queued > PROXY_BUFFERED_BYTES_MAX) from.pause();
      setTimeout(() => {
        queued -= chunk.length;
        if (from.isPaused() && queued <= PROXY_BUFFERED_BYTES_MAX) from.resume();
        if (mode !== 'blackhole' && mode !== 'cut' && !to.destroyed) to.write(chunk);
      }, delayMs);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    get mode() { return mode; },
    cut() {
      mode = 'cut';
      for (const [a, b] of pairs) {
        a.resetAndDestroy();
        b.resetAndDestroy();
      }
      pairs.clear();
    },
    blackhole() { mode = 'blackhole'; },
    hold() { mode = 'hold'; },
    delay(ms: number) {
      mode = 'delay';
      delayMs = ms;
    },
    heal() {
      mode = 'open';
      for (const release of [...releases]) release();
    },
    retarget(port: number) { targetPort = port; },
    async close() {
      releases.clear();
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
