import { randomUUID } from 'node:crypto';
import type { DockerSandboxProviderOptions } from '../../sandboxes/docker/index.ts';
import { DockerSandboxProvider } from '../../sandboxes/docker/index.ts';
import { requireDocker } from './services.ts';

/** Both runtimes the sandbox supports; every behaviour is tested under each. */
export const RUNTIMES = ['runc', 'runsc'] as const;

/**
 * A provider for one test file: a unique container-name prefix, no exit-signal handlers, and
 * a small pool unless the test asks otherwise. Fails (never skips) without Docker.
 */
export async function startTestProvider(
  options: DockerSandboxProviderOptions = {},
): Promise<DockerSandboxProvider> {
  await requireDocker();
  return DockerSandboxProvider.start({
    namePrefix: `test-${randomUUID().slice(0, 8)}`,
    poolSize: 0,
    handleExitSignals: false,
    removeOrphans: false,
    ...options,
  });
}
