import { Command } from 'commander';
import { CliError, describeFailure } from './api.js';
import { registerClientCommands } from './commands.js';

/** `findme-client`: the photographer's CLI on its own (login, upload), without the server's dependencies. */
const program = new Command('findme-client')
  .description('FindMe for photographers: sign in and upload folders to an event.')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });
registerClientCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`findme: ${err instanceof CliError ? err.message : err instanceof Error ? (err.stack ?? err.message) : describeFailure(err)}\n`);
  process.exit(1);
});
