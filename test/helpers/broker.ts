/**
 * Test helper: a real in-process Broker on 127.0.0.1 port 0 in a fresh temp directory.
 *
 *   const b = await startTestBroker();
 *   ... talk to b.url ...
 *   await b.stop();            // stops the broker and removes the directory
 *
 * `restart()` stops the broker and starts a new one on the same directory (a clean restart);
 * pass `{ keepDir: true }` to stop() to keep the directory for a later startTestBroker({ dataDir }).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../broker/broker.js';
import type { BrokerConfigInput } from '../../broker/config.js';
import { silentLogger, type Logger } from '../../broker/logger.js';

export interface TestBroker {
  broker: Broker;
  url: string;
  port: number;
  dataDir: string;
  /** Stops the broker, then a new one on the same dataDir (and config); returns the new handle. */
  restart(): Promise<TestBroker>;
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export type TestBrokerOptions = Partial<BrokerConfigInput> & { logger?: Logger };

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const { logger, ...config } = options;
  const dataDir = config.dataDir ?? await mkdtemp(join(tmpdir(), 'strata-broker-'));
  const input: BrokerConfigInput = { host: '127.0.0.1', port: 0, logLevel: 'silent', ...config, dataDir };
  const broker = new Broker(input, logger ?? silentLogger());
  try {
    const { url, port } = await broker.start();
    const handle: TestBroker = {
      broker,
      url,
      port,
      dataDir,
      async restart() {
        await broker.stop();
        return startTestBroker({ ...options, dataDir });
      },
      async stop(opts = {}) {
        await broker.stop();
        if (!opts.keepDir) await rm(dataDir, { recursive: true, force: true });
      },
    };
    return handle;
  } catch (err) {
    if (!config.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
