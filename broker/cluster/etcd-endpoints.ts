/**
 * `--cluster etcd://H:P[,H:P...][/prefix]`: the etcd members a broker talks to and the key
 * prefix its cluster lives under (default `strata`; several clusters may share one etcd).
 */
import { InvalidConfigError } from '../../proto/errors.js';

export interface EtcdEndpoints {
  /** `http://H:P` per member, in the order given. */
  readonly hosts: readonly string[];
  /** Key prefix of this cluster, ending in '/'. */
  readonly prefix: string;
}

export const CLUSTER_PREFIX_DEFAULT = 'strata';
const SCHEME = 'etcd://';
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const PREFIX = /^[A-Za-z0-9._-]{1,100}$/;

export function parseEtcdUrl(url: string): EtcdEndpoints {
  if (typeof url !== 'string' || !url.startsWith(SCHEME)) {
    throw new InvalidConfigError(`cluster must look like etcd://host:port[,host:port...][/prefix], got ${JSON.stringify(url)}`);
  }
  const rest = url.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const hostList = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? CLUSTER_PREFIX_DEFAULT : rest.slice(slash + 1);
  if (!PREFIX.test(prefix)) throw new InvalidConfigError(`cluster prefix must match ${PREFIX.source}, got ${JSON.stringify(prefix)}`);
  const hosts: string[] = [];
  for (const part of hostList.split(',')) {
    const m = HOST_PORT.exec(part);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65_535) throw new InvalidConfigError(`bad etcd member ${JSON.stringify(part)} in ${url} (want host:port)`);
    hosts.push(`http://${part}`);
  }
  if (new Set(hosts).size !== hosts.length) throw new InvalidConfigError(`etcd member listed twice in ${url}`);
  return { hosts, prefix: `${prefix}/` };
}
