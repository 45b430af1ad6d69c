import { PlatformError } from '../../core/index.ts';

/** Set to print stack traces of unexpected errors. */
export const DEBUG_ENV = 'LAGENT_DEBUG';

/** One line on stderr, prefixed so it is told apart from the job's own output. */
export function warn(message: string): void {
  process.stderr.write(`lagent: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
}

/**
 * An error as one line: the platform's errors say what is wrong and what to do, so their
 * message is enough; anything else is a bug or a library's error, named by its class.
 */
export function reportError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  warn(
    PlatformError.isInstance(error) || !(error instanceof Error)
      ? message
      : `${error.name}: ${message}`,
  );
  if (process.env[DEBUG_ENV] && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  // Write callbacks run in order: this one runs once everything before it is out.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Exits once stdout and stderr are written out. Job commands end this way, so connections,
 * timers or a kernel's sandbox still closing cannot keep a finished command alive.
 */
export async function exitNow(code: number): Promise<never> {
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
