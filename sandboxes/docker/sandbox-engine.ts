import type { ContainerHandle } from './container-launcher.ts';
import type { DockerSandbox } from './docker-sandbox.ts';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';

/** What a sandbox needs from its provider. */
export interface SandboxEngine {
  readonly options: ResolvedDockerSandboxOptions;
  /** A ready container for this session: from the warm pool, or new. */
  acquireContainer(options: {
    sessionId: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<ContainerHandle>;
  /** Whether the engine reported the container out of memory since `sinceMs` (waits briefly for the event). */
  wasOutOfMemory(options: { container: string; sinceMs: number }): Promise<boolean>;
  /** Called once when the sandbox closes. */
  released(sandbox: DockerSandbox): void;
}
