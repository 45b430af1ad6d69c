import type { ContainerEvent } from './container-launcher.ts';
import type { Deferred } from './deferred.ts';
import type { ExecutionCollector } from './execution-collector.ts';

/** How an execution ended, as far as the driver said. */
export type Outcome =
  | { kind: 'end' }
  | { kind: 'died'; code: number | null; signal: number | null }
  | { kind: 'lost'; reason: string };

/** Receives the container events addressed to one request. */
export type Waiter = (event: ContainerEvent) => void;

/** Feeds an execution's frames to its collector and settles its outcome. */
export function executionWaiter({
  collector,
  outcome,
}: {
  collector: ExecutionCollector;
  outcome: Deferred<Outcome>;
}): Waiter {
  return (event) => {
    if (event.type !== 'frame') {
      outcome.resolve({
        kind: 'lost',
        reason: event.type === 'violation' ? event.reason : 'the container stopped',
      });
    } else if (event.frame.t === 'died') {
      outcome.resolve({ kind: 'died', code: event.frame.code, signal: event.frame.signal });
    } else if (event.frame.t === 'fail') {
      outcome.resolve({ kind: 'lost', reason: event.frame.message });
    } else if (collector.add(event.frame)) {
      outcome.resolve({ kind: 'end' });
    }
  };
}
