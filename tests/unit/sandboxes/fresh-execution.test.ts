import { describe, expect, test } from 'vitest';
import { DriverFrameSchema } from '../../../sandboxes/docker/driver-frames.ts';
import { containerSpec } from '../../../sandboxes/docker/container-spec.ts';
import { resolveDockerSandboxOptions } from '../../../sandboxes/docker/docker-sandbox-options.ts';
import { freshExecution, lostRunExecution } from '../../../sandboxes/docker/fresh-execution.ts';

const options = resolveDockerSandboxOptions({ maxOutputBytes: 1_000, maxResults: 2 }, 'image:tag');

const runEnd = (overrides: Record<string, unknown> = {}) =>
  DriverFrameSchema.parse({
    t: 'run-end',
    id: 1,
    stdout: '',
    stderr: '',
    error: null,
    results: [],
    truncated: false,
    timedOut: false,
    cancelled: false,
    exitCode: 0,
    signal: null,
    elapsedMs: 1.5,
    dropped: 0,
    droppedResults: 0,
    anomaly: null,
    ...overrides,
  }) as Extract<ReturnType<typeof DriverFrameSchema.parse>, { t: 'run-end' }>;

describe('freshExecution', () => {
  test('output, the main value and a figure take the Execution shape', () => {
    const seen: string[] = [];
    const execution = freshExecution({
      frame: runEnd({
        stdout: 'hello\n',
        stderr: 'warn\n',
        results: [
          { main: true, data: { text: '42' } },
          { main: false, data: { text: '<Figure>', png: 'not base64!' } },
        ],
      }),
      options,
      run: { onStdout: (message) => void seen.push(message.line) },
    });
    expect(execution.logs.stdout).toEqual(['hello\n']);
    expect(execution.logs.stderr[0]).toBe('warn\n');
    expect(execution.logs.stderr[1]).toContain('1 image(s) dropped');
    expect(execution.results[0]).toEqual({ isMainResult: true, text: '42' });
    // An image that is not base64 is refused, and the refusal is said in its text.
    expect(execution.results[1]?.png).toBeUndefined();
    expect(execution.results[1]?.text).toContain('image dropped');
    expect(execution.error).toBeNull();
    expect(execution.executionCount).toBeNull();
    expect(seen).toEqual(['hello\n']);
  });

  test("the error keeps Python's traceback text, line for line", () => {
    const execution = freshExecution({
      frame: runEnd({
        error: {
          name: 'ZeroDivisionError',
          value: 'division by zero',
          traceback: [
            'Traceback (most recent call last):\n',
            '  File "<cell>", line 1, in <module>\n    1/0\n',
            'ZeroDivisionError: division by zero\n',
          ],
        },
      }),
      options,
      run: {},
    });
    expect(execution.error).toEqual({
      name: 'ZeroDivisionError',
      value: 'division by zero',
      traceback:
        'Traceback (most recent call last):\n  File "<cell>", line 1, in <module>\n    1/0\nZeroDivisionError: division by zero',
    });
  });

  test('caps are counted on the host, whatever the server claims; a timeout says killed', () => {
    const execution = freshExecution({
      frame: runEnd({
        stdout: 'x'.repeat(5_000),
        dropped: 7,
        timedOut: true,
        error: { name: 'TimeoutError', value: 'limit', traceback: [] },
      }),
      options,
      run: {},
    });
    expect(execution.logs.stdout).toEqual(['x'.repeat(1_000)]);
    expect(execution.truncated).toBe(true);
    expect(execution.logs.stderr.join('')).toContain('output truncated');
    expect(execution.timedOut).toBe('killed');
  });

  test('a lost container is an error the caller reads', () => {
    expect(lostRunExecution({ reason: 'the container stopped', timedOut: false }).error).toEqual({
      name: 'SandboxCrashed',
      value: "The run's sandbox container was lost: the container stopped",
      traceback: '',
    });
    expect(lostRunExecution({ reason: 'silent', timedOut: true }).timedOut).toBe('killed');
  });
});

describe('a fresh-mode container', () => {
  test('runs the fork server with the same hardening as a session container', () => {
    const kernel = containerSpec({ name: 'k', options, owner: 'o' });
    const fresh = containerSpec({ name: 'f', options, owner: 'o', mode: 'fresh' });
    expect(fresh.Env).toContain('LAGENT_MODE=fresh');
    expect(kernel.Env).toContain('LAGENT_MODE=kernel');
    expect(fresh.HostConfig).toEqual(kernel.HostConfig);
    expect(fresh.User).toBe(kernel.User);
    expect(fresh.Entrypoint).toEqual(kernel.Entrypoint);
  });
});
