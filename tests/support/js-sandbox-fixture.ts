// A JavaScript sandbox provider for tests that must know how many times the user's code
// ran: its host function `count` is the side effect they count.
import { JsSandboxProvider } from '../../sandboxes/index.ts';
import type { JsSandbox } from '../../sandboxes/index.ts';

export const JS_TEST_MAX_OUTPUT_CHARS = 10_000;

/** How many times `host.count()` ran; tests set it to 0 first. */
export const hostCalls = { count: 0 };

/** A provider with the counting host function; `options` replace the defaults below. */
export async function startCountingProvider(
  options: Parameters<typeof JsSandboxProvider.start>[0] = {},
): Promise<JsSandboxProvider> {
  return await JsSandboxProvider.start({
    threads: 2,
    // Far above what the code needs on a loaded machine: tests of a limit set it per call.
    limits: {
      cpuTimeLimitMs: 10_000,
      wallTimeLimitMs: 20_000,
      memoryLimitMb: 16,
      maxOutputChars: JS_TEST_MAX_OUTPUT_CHARS,
    },
    hostFunctions: { count: () => (hostCalls.count += 1) },
    ...options,
  });
}

/** Runs `body` on a new session and closes it, whatever happens. */
export async function inJsSession(
  provider: JsSandboxProvider,
  body: (session: JsSandbox) => Promise<void>,
): Promise<void> {
  const session = await provider.create();
  try {
    await body(session);
  } finally {
    await session.close();
  }
}
