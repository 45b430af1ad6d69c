import type {
  Action,
  ActionApi,
  ActionReturn,
  RunActionOptions,
  ToolDescription,
} from '../../core/index.ts';
import {
  ActionExecutor,
  DEFAULT_SESSION_ID,
  InvalidArgumentError,
  PlatformError,
} from '../../core/index.ts';
import { createHash } from 'node:crypto';
import type { Hook } from '../../core/index.ts';
import type { ImageOutput } from '../../tools/index.ts';
import { localizeImages } from '../../tools/index.ts';
import type { JobBackend, ToolDescriptor } from './job-backend.ts';

export interface QueueExecutorOptions {
  /** Where the calls go: a RedisJobClient or an EmbeddedJobBackend. */
  client: JobBackend;
  hooks?: readonly Hook[];
  /** Per call, on the worker. @default the worker's default */
  timeoutMs?: number;
  /** Longest wait for a result, queue time included. @default the client's default */
  waitTimeoutMs?: number;
  /**
   * The workers' tools to offer, in this order (hooks such as InternLMActionProcessor send
   * code to the first one). @default all of them, by name
   */
  tools?: readonly string[];
  /**
   * Where the images in results go. Workers send them inline; `{mode: 'file', dir}` writes
   * them here and leaves their paths (Lagent's way), so memory holds `[image](path)`.
   * @default { mode: 'data-url' }: inline, as they came
   */
  images?: ImageOutput;
}

/** A tool that lives on the workers: its calls become jobs. */
export class RemoteAction implements Action {
  readonly name: string;
  readonly isToolkit: boolean;
  readonly description: ToolDescription;
  readonly apis: readonly ActionApi[];
  readonly #client: JobBackend;
  readonly #timeoutMs: number | undefined;
  readonly #waitTimeoutMs: number | undefined;
  readonly #images: ImageOutput;

  constructor({
    client,
    descriptor,
    timeoutMs,
    waitTimeoutMs,
    images = { mode: 'data-url' },
  }: {
    client: JobBackend;
    descriptor: ToolDescriptor;
    timeoutMs?: number | undefined;
    waitTimeoutMs?: number | undefined;
    images?: ImageOutput | undefined;
  }) {
    this.#client = client;
    this.name = descriptor.name;
    this.isToolkit = descriptor.isToolkit;
    this.description = descriptor.description;
    this.apis = descriptor.apis;
    this.#timeoutMs = timeoutMs;
    this.#waitTimeoutMs = waitTimeoutMs;
    this.#images = images;
  }

  async run({
    inputs,
    api = 'run',
    sessionId = DEFAULT_SESSION_ID,
    signal,
    emit,
    toolCallId,
  }: RunActionOptions): Promise<ActionReturn> {
    const jobId = await this.#client.submit({
      // The model's id for the call is its idempotency key: sent twice, it runs once.
      ...(toolCallId === undefined
        ? {}
        : { jobId: toolCallJobId(this.#client.sessionScope, String(sessionId), toolCallId) }),
      ...(this.#waitTimeoutMs === undefined ? {} : { deadlineMs: this.#waitTimeoutMs }),
      request: {
        kind: 'tool-call',
        call: {
          name: this.isToolkit ? `${this.name}.${api}` : this.name,
          parameters: (inputs ?? {}) as never,
          ...(toolCallId === undefined ? {} : { id: toolCallId }),
        },
        sessionId: String(sessionId),
        ...(this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs }),
      },
      ...(signal === undefined ? {} : { signal }),
    });
    const streaming = emit ? this.#forwardOutput(jobId, emit, signal) : undefined;
    const result = await this.#client.wait({
      jobId,
      ...(this.#waitTimeoutMs === undefined ? {} : { timeoutMs: this.#waitTimeoutMs }),
      ...(signal === undefined ? {} : { signal }),
    });
    await streaming;
    if (!result.actionReturn) {
      throw new PlatformError('JOB_FAILED', {
        message: `Job ${jobId} ended without an ActionReturn (${result.status})`,
      });
    }
    return await localizeImages({ actionReturn: result.actionReturn, images: this.#images });
  }

  async #forwardOutput(
    jobId: string,
    emit: NonNullable<RunActionOptions['emit']>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for await (const event of this.#client.events({
      jobId,
      ...(signal === undefined ? {} : { signal }),
    })) {
      if (event.type === 'stdout' || event.type === 'stderr' || event.type === 'result')
        emit(event);
    }
  }
}

/**
 * The job id of a model's tool call: the same call (same scope, session and tool call id)
 * gets the same job, so it runs once and answers the same each time it is sent.
 */
export function toolCallJobId(scope: string, sessionId: string, toolCallId: string): string {
  const digest = createHash('sha256').update(`${scope}\0${sessionId}\0${toolCallId}`).digest('hex');
  return `tc-${digest.slice(0, 40)}`;
}

/**
 * An ActionExecutor whose tools run on queue workers: agents keep their code, their hooks
 * and their memories; only where the calls run changes. The tools are the ones the workers
 * published when they started.
 */
export async function createQueueExecutor({
  client,
  hooks = [],
  timeoutMs,
  waitTimeoutMs,
  tools,
  images,
}: QueueExecutorOptions): Promise<ActionExecutor> {
  const byName = new Map(
    (await client.toolDescriptors()).map((descriptor) => [descriptor.name, descriptor]),
  );
  const names = tools ?? [...byName.keys()].sort();
  const missing = names.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new InvalidArgumentError({
      message: `No worker serves ${missing.join(', ')}; the workers serve ${[...byName.keys()].join(', ') || 'nothing yet'}`,
    });
  }
  const descriptors = names.map((name) => byName.get(name) as ToolDescriptor);
  return new ActionExecutor({
    actions: descriptors.map(
      (descriptor) => new RemoteAction({ client, descriptor, timeoutMs, waitTimeoutMs, images }),
    ),
    hooks,
  });
}
