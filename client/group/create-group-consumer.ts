/**
 * Builds a GroupConsumer: the group protocol (join, heartbeat, commits) goes to the group's
 * coordinator (coordinator-link.ts), fetches to each partition's leader, all over one router's
 * connections. A broker alone is reached over the one connection the application dialled, so a
 * member whose socket dies loses its fetches and its heartbeats together, as a crashed process would.
 */
import { Consumer } from '../consumer.js';
import { LeaderRouter } from '../leader-router.js';
import { CoordinatorLink } from './coordinator-link.js';
import { resolveConsumerOptions } from '../consumer-options.js';
import { GroupConsumer, type GroupConsumerDeps } from './group-consumer.js';
import { resolveGroupOptions, type GroupConsumerOptions } from './group-options.js';

export function createGroupConsumer<V>(options: GroupConsumerOptions, deps: GroupConsumerDeps): GroupConsumer<V> {
  const group = resolveGroupOptions(options);
  // Where the inner consumer starts is decided per partition by the group; its own default is unused.
  const fetching = resolveConsumerOptions({ ...options, defaultOffset: 'latest' });
  // One router for fetching, offset lookups and the coordinator: the connection the application
  // dialled serves as whichever broker it is, others are opened at their advertised URLs.
  const router = new LeaderRouter({ first: deps.connection, ...(deps.bootstrap ? { bootstrap: deps.bootstrap } : {}), ...(deps.directory ? { directory: deps.directory } : {}) });
  const coordinator = new CoordinatorLink(group.groupId, router, deps.logger);
  const inner = new Consumer<V>(fetching, {
    connection: deps.connection,
    ownsConnection: false,
    router,
    retry: deps.retry,
    requestTimeoutMs: deps.requestTimeoutMs,
    logger: deps.logger,
  });
  return new GroupConsumer<V>(group, inner, { ...deps, router, coordinator });
}
