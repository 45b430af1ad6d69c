#!/usr/bin/env node
// The `lagent` command line.
import { Command } from 'commander';
import { registerDemoCommand } from './demo-command.ts';

const program = new Command('lagent').description(
  'Lagent agents with sandboxed, queue-backed tool execution',
);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
}
