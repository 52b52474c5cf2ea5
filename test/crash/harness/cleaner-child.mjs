/**
 * A CHILD PROCESS that runs one cleaning pass over `<dir>/t-0` with the built broker code and
 * kills itself with SIGKILL at the given step of cleaning or swapping (its `nth` occurrence):
 * a real crash at a chosen point, for test/crash/cleaner-kill.test.ts. Prints `completed` and
 * exits 0 if the pass ends without reaching the step.
 *
 *   node cleaner-child.mjs <dataDir> <configJson> <step> <nth>
 */
import { silentLogger } from '../../../dist/broker/logger.js';
import { LogCleaner } from '../../../dist/broker/storage/cleaner/log-cleaner.js';
import { LogManager } from '../../../dist/broker/storage/log-manager.js';

const [dataDir, configJson, step, nth] = process.argv.slice(2);
const config = JSON.parse(configJson);
const logger = silentLogger();
const manager = await LogManager.open({ dataDir, logger, defaultConfig: config });
const log = await manager.openLog('t', 0, config);
let seen = 0;
const cleaner = new LogCleaner({
  logger,
  ioBytesPerSecond: 0,
  faults: {
    step: (s) => {
      if (s === step && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
    },
  },
});
await cleaner.cleanLog(log, manager);
process.stdout.write('completed\n');
process.exit(0);
