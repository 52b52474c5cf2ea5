/**
 * Builds a GroupConsumer: one connection shared by the group protocol (join, heartbeat,
 * commits) and the fetching of the manual Consumer inside it, so a member whose socket dies
 * loses its fetches and its heartbeats together, as a crashed process would.
 */
import { Consumer } from '../consumer.js';
import { resolveConsumerOptions } from '../consumer-options.js';
import { GroupConsumer, type GroupConsumerDeps } from './group-consumer.js';
import { resolveGroupOptions, type GroupConsumerOptions } from './group-options.js';

export function createGroupConsumer<V>(options: GroupConsumerOptions, deps: GroupConsumerDeps): GroupConsumer<V> {
  const group = resolveGroupOptions(options);
  // Where the inner consumer starts is decided per partition by the group; its own default is unused.
  const fetching = resolveConsumerOptions({ ...options, defaultOffset: 'latest' });
  const inner = new Consumer<V>(fetching, {
    connection: deps.connection,
    ownsConnection: false,
    retry: deps.retry,
    requestTimeoutMs: deps.requestTimeoutMs,
    logger: deps.logger,
  });
  return new GroupConsumer<V>(group, inner, deps);
}
