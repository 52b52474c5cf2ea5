/**
 * The etcd3 client as the cluster uses it: every unary call carries a deadline
 * (ETCD_CALL_MS_MAX), so a dead, stopped or cut-off member fails the call instead of hanging it,
 * and the client's pool moves on to another member. Streams (watches, keepalives) carry none:
 * they are meant to stay open, and their own timeouts (the lease deadline, watch reconnects)
 * cover a member that stops answering.
 *
 * Why the `etcd3` package rather than our own gRPC client: it speaks etcd's v3 API (KV,
 * transactions, leases with keepalive streams, watches that resume from a revision after a
 * reconnect) over @grpc/grpc-js and balances across members; writing that would be thousands
 * of lines of protocol code to get subtly wrong.
 */
import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';
import { ETCD_CALL_MS_MAX } from './constants.js';

export type EtcdClient = Etcd3;

/**
 * `etcd3` is required on first use, not imported: with @grpc/grpc-js and the .proto files its
 * loader parses at load time it costs about 0.3 CPU s, which every single-node broker (no etcd)
 * paid at start for nothing. It is CommonJS, so a synchronous require keeps this API synchronous.
 */
function loadEtcd3(): typeof Etcd3 {
  return (createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 }).Etcd3;
}

export function createEtcdClient(hosts: readonly string[]): EtcdClient {
  const Etcd3Client = loadEtcd3();
  return new Etcd3Client({
    hosts: [...hosts],
    dialTimeout: ETCD_CALL_MS_MAX,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + ETCD_CALL_MS_MAX }),
  });
}

/** The key of an etcd3 KeyValue as a string. */
export function keyOf(kv: { key: Buffer }): string {
  return kv.key.toString('utf8');
}
