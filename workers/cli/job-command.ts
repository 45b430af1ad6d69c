import { exitNow, reportError, warn } from './cli-output.ts';
import { EXIT_CANNOT_RUN, EXIT_ON_SIGNAL } from './exit-codes.ts';
import type { Interrupt } from './interrupt.ts';
import { listenForInterrupt } from './interrupt.ts';

/**
 * Runs a command that talks to the queue, then exits with the code it returns. Ctrl-C and
 * SIGTERM abort `interrupt.signal` (the command decides what that means for its job); an
 * error becomes one line on stderr and EXIT_CANNOT_RUN, or the signal's exit code when the
 * command was interrupted.
 */
export async function runJobCommand(
  body: (interrupt: Interrupt) => Promise<number>,
): Promise<never> {
  using interrupt = listenForInterrupt();
  let code: number;
  try {
    code = await body(interrupt);
  } catch (error) {
    if (interrupt.received) {
      warn(`interrupted (${interrupt.received})`);
      code = EXIT_ON_SIGNAL[interrupt.received];
    } else {
      reportError(error);
      code = EXIT_CANNOT_RUN;
    }
  }
  return exitNow(code);
}
