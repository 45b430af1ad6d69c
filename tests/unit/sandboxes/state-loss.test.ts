import { describe, expect, test } from 'vitest';
import { Deferred } from '../../../sandboxes/docker/deferred.ts';
import { describeKernelDeath } from '../../../sandboxes/docker/execution-errors.ts';
import { ExecutionCollector } from '../../../sandboxes/docker/execution-collector.ts';
import type { Outcome } from '../../../sandboxes/docker/execution-outcome.ts';
import { executionWaiter } from '../../../sandboxes/docker/execution-outcome.ts';
import { StateLossLog } from '../../../sandboxes/docker/state-loss.ts';

const violation = { type: 'violation', reason: 'an invalid frame: hello' } as const;

describe('a corrupted channel is reported, with its reason', () => {
  test('during an execution: its outcome is lost, naming the reason', async () => {
    const outcome = new Deferred<Outcome>();
    const collector = new ExecutionCollector({ maxOutputBytes: 1_000, callbacks: {} });
    const waiter = executionWaiter({ collector, outcome });
    waiter({ type: 'frame', frame: { t: 'stream', id: 1, name: 'stdout', text: 'before' } });
    waiter(violation);
    await expect(outcome.promise).resolves.toEqual({
      kind: 'lost',
      reason: 'an invalid frame: hello',
    });
    expect(collector.execution.logs.stdout).toEqual(['before']);
  });

  test('between calls: the next call takes the loss and its reason; the close after it repeats nothing', () => {
    const log = new StateLossLog();
    const at = { container: 'c1', running: undefined, sinceMs: 5 };
    expect(log.observe({ event: violation, ...at })).toBe(true);
    expect(log.observe({ event: { type: 'close' }, ...at })).toBe(false);
    expect(log.description).toBe('the sandbox container stopped (an invalid frame: hello)');
    expect(log.take()).toEqual({
      outcome: { kind: 'lost', reason: 'an invalid frame: hello' },
      container: 'c1',
      sinceMs: 5,
    });
    expect(log.take()).toBeUndefined();
  });

  test('a running execution hears of it through its own waiter, not as a loss before it', () => {
    const log = new StateLossLog();
    log.observe({ event: violation, container: 'c1', running: 3, sinceMs: 0 });
    expect(log.take({ beforeExecution: 3 })).toBeUndefined();
    expect(log.take()).toBeUndefined();
  });

  test('a death the driver reports without the running id came before that execution began', () => {
    const log = new StateLossLog();
    const died = { type: 'frame', frame: { t: 'died', id: null, code: 0, signal: null } } as const;
    log.observe({ event: died, container: 'c1', running: 4, sinceMs: 0 });
    expect(log.take({ beforeExecution: 4 })).toMatchObject({
      outcome: { kind: 'died', code: 0, signal: null },
      beforeExecution: 4,
    });
  });

  test('the error names the reason and, between calls, that the code was not run', () => {
    const during = describeKernelDeath({ memoryMb: 512, outOfMemory: false, lostReason: 'x y' });
    expect(during).toEqual({
      name: 'SandboxCrashed',
      value:
        'The sandbox container stopped (x y); its state is lost and a fresh sandbox is started.',
      traceback: '',
    });
    const idle = describeKernelDeath({
      memoryMb: 512,
      outOfMemory: false,
      code: 0,
      timing: 'idle',
    });
    expect(idle.value).toBe(
      'The kernel died while idle (exit code 0) after the previous call; its state is lost. This code was not run; a fresh kernel is ready.',
    );
  });
});
