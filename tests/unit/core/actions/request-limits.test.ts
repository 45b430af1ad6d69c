// The bounds of one request: code and argument sizes, depth, timeouts, session ids, envs.
import { describe, expect, test } from 'vitest';
import {
  checkArguments,
  checkCode,
  checkEnvs,
  checkSessionId,
  checkTimeout,
  DEFAULT_MAX_CODE_BYTES,
  DEFAULT_MAX_EXECUTION_TIMEOUT_MS,
  DEFAULT_REQUEST_LIMITS,
  InvalidArgumentError,
  MAX_ENV_COUNT,
  MAX_ENV_VALUE_BYTES,
  PlatformError,
  RequestLimitError,
  resolveRequestLimits,
} from '../../../../core/index.ts';

function nested(depth: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < depth; level += 1) value = { next: value };
  return value;
}

function caught(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('request limits', () => {
  test('the defaults: 1 MiB of code or arguments, 64 levels, 10 minutes', () => {
    expect(DEFAULT_REQUEST_LIMITS).toEqual({
      maxCodeBytes: 1024 * 1024,
      maxArgumentBytes: 1024 * 1024,
      maxArgumentDepth: 64,
      maxExecutionTimeoutMs: 600_000,
    });
    expect(resolveRequestLimits({ maxCodeBytes: 10 }).maxCodeBytes).toBe(10);
    expect(() => resolveRequestLimits({ maxArgumentDepth: 0 })).toThrow(InvalidArgumentError);
    expect(() => resolveRequestLimits({ maxCodeBytes: Number.NaN })).toThrow(/maxCodeBytes/);
  });

  test('code over maxCodeBytes is a RequestLimitError with a string code, counted in UTF-8 bytes', () => {
    expect(() =>
      checkCode({ code: 'x'.repeat(DEFAULT_MAX_CODE_BYTES), maxCodeBytes: DEFAULT_MAX_CODE_BYTES }),
    ).not.toThrow();
    const error = caught(() =>
      checkCode({ code: 'é'.repeat(600_000), maxCodeBytes: DEFAULT_MAX_CODE_BYTES }),
    );
    expect(error).toBeInstanceOf(RequestLimitError);
    expect(PlatformError.isInstance(error) && error.code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect((error as RequestLimitError).limit).toBe('maxCodeBytes');
    expect((error as Error).message).toContain('1 MiB');
  });

  test('arguments: too large or too deep, never a RangeError', () => {
    const limits = DEFAULT_REQUEST_LIMITS;
    expect(() => checkArguments({ value: nested(64), limits })).not.toThrow();
    const deep = caught(() => checkArguments({ value: nested(100_000), limits }));
    expect(deep).toBeInstanceOf(RequestLimitError);
    expect((deep as RequestLimitError).limit).toBe('maxArgumentDepth');
    const large = caught(() => checkArguments({ value: { text: 'x'.repeat(2 << 20) }, limits }));
    expect((large as RequestLimitError).limit).toBe('maxArgumentBytes');
  });

  test('a timeout over maxExecutionTimeoutMs is refused, not clamped', () => {
    const max = DEFAULT_MAX_EXECUTION_TIMEOUT_MS;
    expect(() => checkTimeout({ timeoutMs: max, maxExecutionTimeoutMs: max })).not.toThrow();
    const error = caught(() => checkTimeout({ timeoutMs: 1e9, maxExecutionTimeoutMs: max }));
    expect(error).toBeInstanceOf(RequestLimitError);
    expect((error as Error).message).toContain('maxExecutionTimeoutMs');
  });

  test('session ids: 1 to 128 of letters, digits and _ . : -', () => {
    for (const good of ['a', '0', 'burst-1', 'user.42:chat_1', 'x'.repeat(128)]) {
      expect(() => checkSessionId(good)).not.toThrow();
    }
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'ü', 'a\nb', '*']) {
      expect(() => checkSessionId(bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('envs a request may set', () => {
  test('plain variables pass', () => {
    expect(() =>
      checkEnvs({ TOKEN: 'x', MODE: 'session', _private: '', PATH: '/bin', TZ: 'UTC' }),
    ).not.toThrow();
  });

  test.each([
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'LD_AUDIT',
    'PYTHONSTARTUP',
    'PYTHONPATH',
    'PYTHONHOME',
    'PYTHONINSPECT',
    'PYTHONWARNINGS',
    'IPYTHONDIR',
    'JUPYTER_CONFIG_DIR',
    'NODE_OPTIONS',
    'BASH_ENV',
    'ENV',
    'GCONV_PATH',
    'GLIBC_TUNABLES',
    'MALLOC_CHECK_',
    'MPLBACKEND',
    'LAGENT_WORKDIR',
  ])('%s is refused with a clear error', (name) => {
    const error = caught(() => checkEnvs({ [name]: 'x' }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(`${name} may not be set`);
  });

  test('names must be variable names; values strings without NUL', () => {
    for (const name of ['1X', 'A-B', 'A=B', 'A B', '', 'É', 'x'.repeat(129)]) {
      expect(() => checkEnvs({ [name]: 'x' })).toThrow(/not a valid variable name/);
    }
    expect(() => checkEnvs({ A: 'a\0b' })).toThrow(/NUL/);
    expect(() => checkEnvs({ A: 5 })).toThrow(InvalidArgumentError);
  });

  test('count and size are bounded', () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_ENV_COUNT + 1 }, (_, index) => [`V${index}`, 'x']),
    );
    expect((caught(() => checkEnvs(many)) as RequestLimitError).limit).toBe('maxEnvCount');
    const big = caught(() => checkEnvs({ A: 'x'.repeat(MAX_ENV_VALUE_BYTES + 1) }));
    expect((big as RequestLimitError).limit).toBe('maxEnvBytes');
    const total = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`V${index}`, 'x'.repeat(MAX_ENV_VALUE_BYTES)]),
    );
    expect((caught(() => checkEnvs(total)) as RequestLimitError).limit).toBe('maxEnvBytes');
  });
});
