// The dashboard's pure parts, in Node: how a job's events build up its output, and how
// numbers are written. (The pages themselves are tested in Chromium: tests/browser.)
import { describe, expect, test } from 'vitest';
import { NO_OUTPUT, withEvent } from '../../../workers/dashboard/app/components/job-output.ts';
import { duration, rate, withoutAnsi } from '../../../workers/dashboard/app/format.ts';

describe('withEvent', () => {
  test('stdout and stderr build up in order; rich results are kept; end carries the result', () => {
    const events = [
      { type: 'started', data: { type: 'started', workerId: 'w1' } },
      { type: 'stdout', data: { type: 'stdout', text: 'a\n' } },
      { type: 'stderr', data: { type: 'stderr', text: 'warn\n' } },
      { type: 'stdout', data: { type: 'stdout', text: 'b\n' } },
      { type: 'result', data: { type: 'result', result: { png: 'iVBOR', isMainResult: false } } },
      { type: 'heartbeat', data: {} },
    ];
    const shown = events.reduce(withEvent, NO_OUTPUT);
    expect(shown).toEqual({
      started: true,
      workerId: 'w1',
      stdout: 'a\nb\n',
      stderr: 'warn\n',
      results: [{ png: 'iVBOR', isMainResult: false }],
      result: null,
    });
    const result = { jobId: 'j', status: 'cancelled', workerId: 'w1' };
    expect(withEvent(shown, { type: 'end', data: { type: 'end', result } }).result).toEqual(result);
    // The start state is never changed in place.
    expect(NO_OUTPUT.stdout).toBe('');
  });
});

describe('format', () => {
  test('durations, rates and tracebacks without colour codes', () => {
    expect(duration(null)).toBe('—');
    expect(duration(340)).toBe('340 ms');
    expect(duration(1234)).toBe('1.23 s');
    expect(duration(42_000)).toBe('42.0 s');
    expect(duration(185_000)).toBe('3 min 5 s');
    expect(duration(2 * 3_600_000 + 4 * 60_000)).toBe('2 h 4 min');
    expect(rate(null)).toBe('—');
    expect(rate(2)).toBe('2.00/s');
    expect(withoutAnsi('\u001b[0;31mZeroDivisionError\u001b[0m: x')).toBe('ZeroDivisionError: x');
  });
});
