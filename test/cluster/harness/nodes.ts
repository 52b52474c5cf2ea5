/**
 * In-process cluster members (ClusterNode, no storage or server) against a real etcd, for
 * the tests of membership, controller election and partition state: a "crash" is a node that
 * stops keeping its lease alive without revoking it, exactly what etcd sees of a kill -9.
 */
import { ClusterNode } from '../../../broker/cluster/cluster-node.js';
import { parseEtcdUrl } from '../../../broker/cluster/etcd-endpoints.js';
import { silentLogger } from '../../../broker/logger.js';

export async function joinNode(url: string, nodeId: number, opts: { uncleanLeaderElection?: boolean; joinTimeoutMs?: number } = {}): Promise<ClusterNode> {
  return ClusterNode.join({
    etcd: parseEtcdUrl(url), nodeId, endpoints: { ws: `ws://127.0.0.1:${10_000 + nodeId}` },
    uncleanLeaderElection: opts.uncleanLeaderElection, joinTimeoutMs: opts.joinTimeoutMs, logger: silentLogger(),
  });
}

/** What etcd sees of kill -9: keepalives stop, nothing is revoked, the watch and client stay as they were. */
export function crash(node: ClusterNode): void {
  (node as unknown as { lease: { release(): void } | null }).lease?.release();
  void node.activeController?.stop();
  node.client.close();
}

export async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}
