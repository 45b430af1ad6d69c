#!/usr/bin/env node
// The `lagent` command line.
import { Command } from 'commander';
import { registerDemoCommand } from './demo-command.ts';
import { registerRunCodeCommand } from './run-code-command.ts';
import { registerSubmitCommand } from './submit-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

const program = new Command('lagent').description(
  'Lagent agents with sandboxed, queue-backed tool execution',
);
registerDemoCommand(program);
registerWorkerCommand(program);
registerSubmitCommand(program);
registerRunCodeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
