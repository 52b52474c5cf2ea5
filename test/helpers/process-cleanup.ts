/**
 * Setup file of every test file (test/vitest.config.ts): after the file's own hooks, kill what
 * startBrokerProcess left running and remove the temp dirs it made. A file whose afterAll timed
 * out or never ran used to leave a `strata-cli-*` dir (and once a broker process) behind.
 */
import { afterAll } from 'vitest';
import { cleanUpBrokerProcesses } from './cli.js';

afterAll(async () => {
  const { killed } = await cleanUpBrokerProcesses();
  // A broker still running here means a test lost its handle (a timeout, a throw before stop()).
  if (killed > 0) console.warn(`process-cleanup: killed ${killed} broker process(es) a test left running`);
});
