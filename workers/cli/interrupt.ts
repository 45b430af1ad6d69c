import { AbortedError } from '../../core/index.ts';
import { exitNow } from './cli-output.ts';
import type { InterruptSignal } from './exit-codes.ts';
import { EXIT_ON_SIGNAL } from './exit-codes.ts';

/** SIGINT (Ctrl-C) and SIGTERM, as an AbortSignal for the command's work. */
export interface Interrupt extends Disposable {
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: InterruptSignal | undefined;
}

/**
 * Replaces Node's default exit on SIGINT/SIGTERM: the first one aborts `signal`, so the
 * command can cancel its job and say so; a second one exits at once.
 */
export function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: InterruptSignal | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    const signal: InterruptSignal = name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    if (received) {
      void exitNow(EXIT_ON_SIGNAL[received]);
      return;
    }
    received = signal;
    controller.abort(new AbortedError({ message: `Interrupted by ${signal}` }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    [Symbol.dispose]() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
