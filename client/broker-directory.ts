/**
 * The brokers one Strata client has learned from Metadata (node id → advertised URL), shared by
 * every router the client makes: its producers, consumers and admin clients.
 *
 * Why shared: the `brokers` a client was given are only a bootstrap list. Brokers that restart on
 * another address (a pod rescheduled, a `--port 0` restart) leave those addresses dead, and a
 * router made after that — a new consumer, the admin client's first use — would know nothing
 * but the dead list and never find the cluster, while the client's older routers keep talking to
 * it. Every router writes what it learns here and asks these brokers too when it refreshes, as
 * librdkafka's handles share the brokers their client learned.
 */
export class BrokerDirectory {
  private readonly urls = new Map<number, string>();

  /** Records that broker `nodeId` advertises `url` (the latest Metadata wins). */
  learn(nodeId: number, url: string): void {
    this.urls.set(nodeId, url);
  }

  /** The URL broker `nodeId` was last seen advertising, if any. */
  urlOf(nodeId: number): string | undefined {
    return this.urls.get(nodeId);
  }

  /** Every known broker as [node id, URL], in the order they were first learned. */
  entries(): IterableIterator<[number, string]> {
    return this.urls.entries();
  }
}
