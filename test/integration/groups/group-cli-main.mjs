// Runs `strata group ...` from the compiled command file alone (dist/, built by `npm test`'s
// pretest), so the group commands are tested as a real process whether or not they are
// registered in the main CLI yet.
import { Command, CommanderError } from 'commander';
import { registerGroupCommands } from '../../../dist/broker/cli/commands/group.js';
import { EXIT_USAGE, fail } from '../../../dist/broker/cli/output.js';

const program = new Command().name('strata').exitOverride();
registerGroupCommands(program);
program.parseAsync(process.argv).catch((err) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  fail(err);
});
