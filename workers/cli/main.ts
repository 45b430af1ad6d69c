#!/usr/bin/env node
// The `lagent` command line. bin/lagent.js runs this file (or its build in dist/).
import { Command, CommanderError } from 'commander';
import { registerApiKeyCommand } from './api-key-command.ts';
import { registerCancelCommand } from './cancel-command.ts';
import { exitNow, reportError } from './cli-output.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerEvalCommand } from './eval-command.ts';
import { EXIT_CANNOT_RUN, EXIT_OK } from './exit-codes.ts';
import { registerMcpCommand } from './mcp-command.ts';
import { readPackageVersion } from './package-version.ts';
import { registerResultCommand } from './result-command.ts';
import { registerRunCodeCommand } from './run-code-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerStatusCommand } from './status-command.ts';
import { registerSubmitCommand } from './submit-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

const program = new Command('lagent')
  .description('Lagent agents with sandboxed, queue-backed tool execution')
  .version(readPackageVersion(), '-V, --version', 'print the version')
  // Usage errors throw (and exit below, with EXIT_CANNOT_RUN) instead of exiting with 1,
  // which means "the job failed"; subcommands inherit both settings.
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(`lagent: ${text.replace(/^error: /, '')}`),
  });
registerDemoCommand(program);
registerWorkerCommand(program);
registerSubmitCommand(program);
registerRunCodeCommand(program);
registerEvalCommand(program);
registerResultCommand(program);
registerCancelCommand(program);
registerStatusCommand(program);
registerServeCommand(program);
registerMcpCommand(program);
registerApiKeyCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed its own message (or the help, or the version).
  if (error instanceof CommanderError)
    await exitNow(error.exitCode === 0 ? EXIT_OK : EXIT_CANNOT_RUN);
  reportError(error);
  await exitNow(EXIT_CANNOT_RUN);
}
