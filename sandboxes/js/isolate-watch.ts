// The clocks of one run: its wall clock, from the start, and a poll of the isolate's CPU
// clock, from when the cell's value turns out to be a promise (isolated-vm's own timeout
// covers only the synchronous part). Either, when it passes, disposes the isolate.
import type ivm from 'isolated-vm';
import type { StopReason } from './isolate-outcome.ts';
import type { JsLimits } from './js-sandbox-options.ts';

const CPU_POLL_START_MS = 20;
const CPU_POLL_INTERVAL_MS = 10;

/**
 * The stops that dispose the isolate (the CPU poll, the wall clock) come a quarter of their
 * limit late (100 ms to 1 s), so that isolated-vm's own timeout, which keeps the state, stops
 * a synchronous loop first whenever it applies, even when its timer thread runs late.
 */
export function stopGraceMs(limitMs: number): number {
  return Math.min(1_000, Math.max(100, Math.round(limitMs / 4)));
}

export interface RunWatch {
  /** Starts the CPU poll (once). In the synchronous part, CPU spent in a heap about to hit its
   * limit should end as isolated-vm's memory stop, reported as such, not as the poll's. */
  pollCpu: () => void;
  stop: () => void;
}

export function watchRun({
  isolate,
  limits,
  kill,
}: {
  isolate: ivm.Isolate;
  limits: JsLimits;
  kill: (reason: StopReason) => void;
}): RunWatch {
  const cpuAtStart = isolate.cpuTime;
  const cpuBudgetNs =
    BigInt(limits.cpuTimeLimitMs + stopGraceMs(limits.cpuTimeLimitMs)) * 1_000_000n;
  let startPoll: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  const wall = setTimeout(
    () => kill('wall'),
    limits.wallTimeLimitMs + stopGraceMs(limits.wallTimeLimitMs),
  );
  return {
    pollCpu: () => {
      if (startPoll) return;
      startPoll = setTimeout(() => {
        poller = setInterval(() => {
          if (!isolate.isDisposed && isolate.cpuTime - cpuAtStart > cpuBudgetNs) kill('cpu');
        }, CPU_POLL_INTERVAL_MS);
      }, CPU_POLL_START_MS);
    },
    stop: () => {
      clearTimeout(startPoll);
      clearTimeout(wall);
      if (poller) clearInterval(poller);
    },
  };
}
