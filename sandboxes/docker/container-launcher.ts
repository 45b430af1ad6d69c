import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import {
  AbortedError,
  SandboxUnavailableError,
  throwIfAborted,
  withDeadline,
} from '../../core/index.ts';
import type { ContainerMode } from './container-spec.ts';
import { containerSpec } from './container-spec.ts';
import { DriverConnection } from './driver-connection.ts';
import type { DriverFrame } from './driver-frames.ts';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';

export type ContainerEvent =
  { type: 'frame'; frame: DriverFrame } | { type: 'violation'; reason: string } | { type: 'close' };

/** A started sandbox container whose kernel has reported ready. */
export interface ContainerHandle {
  readonly name: string;
  readonly container: Dockerode.Container;
  readonly connection: DriverConnection;
  readonly startedAt: number;
  /** Where events go; a sandbox sets this when it takes the container. */
  listener: (event: ContainerEvent) => void;
  /** False once the stream closed or the driver broke the protocol. */
  alive: boolean;
}

// Frames carry at most maxOutputBytes of output, or a base64 file, plus JSON overhead.
const frameBytes = (options: ResolvedDockerSandboxOptions) =>
  Math.ceil(Math.max(options.maxOutputBytes, options.maxFileBytes) * 1.4) + 64 * 1024;

/** Removes a container, ignoring "already gone". */
export async function removeContainer(container: Dockerode.Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch(() => undefined);
}

/**
 * Creates a hardened container, attaches to it before starting it (so no frame is missed),
 * starts it and waits for the driver's first `ready`. Any failure removes the container and
 * throws SandboxUnavailableError.
 */
export async function launchContainer({
  docker,
  options,
  owner,
  namePrefix,
  sessionId,
  signal,
  mode,
}: {
  docker: Dockerode;
  options: ResolvedDockerSandboxOptions;
  owner: string;
  namePrefix: string;
  sessionId?: string | undefined;
  signal?: AbortSignal | undefined;
  mode?: ContainerMode;
}): Promise<ContainerHandle> {
  throwIfAborted(signal, 'Starting the sandbox');
  const name = `${namePrefix}-${randomUUID().slice(0, 12)}`;
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer(
      containerSpec({ name, options, owner, sessionId, ...(mode ? { mode } : {}) }),
    );
  } catch (error) {
    throw new SandboxUnavailableError({
      message: `Cannot create a sandbox container from ${options.image}: ${describe(error)}`,
      cause: error,
    });
  }
  let settle: ((error?: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  try {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    const handle: ContainerHandle = {
      name,
      container,
      startedAt: Date.now(),
      alive: true,
      listener: () => undefined,
      connection: new DriverConnection({
        stream,
        maxFrameBytes: frameBytes(options),
        onFrame: (frame) => {
          if (frame.t === 'ready') settle?.();
          handle.listener({ type: 'frame', frame });
        },
        onViolation: (reason) => {
          handle.alive = false;
          settle?.(new Error(`the driver broke the protocol: ${reason}`));
          handle.listener({ type: 'violation', reason });
        },
        onClose: () => {
          handle.alive = false;
          settle?.(new Error('the container stopped before its kernel was ready'));
          handle.listener({ type: 'close' });
        },
      }),
    };
    await container.start();
    await withDeadline({
      promise: ready,
      timeoutMs: options.startTimeoutMs,
      signal,
      what: 'Starting the sandbox',
      onTimeout: () => new Error(`no ready kernel after ${options.startTimeoutMs} ms`),
    });
    settle = undefined;
    return handle;
  } catch (error) {
    await removeContainer(container);
    if (error instanceof AbortedError) throw error;
    throw new SandboxUnavailableError({
      message: `Sandbox container ${name} did not start: ${describe(error)}`,
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
