import type {
  ActionExecutor,
  Execution,
  RequestLimits,
  Sandbox,
  SandboxProvider,
  ToolEvent,
} from '../../core/index.ts';
import {
  AbortedError,
  InvalidArgumentError,
  PlatformError,
  resolveRequestLimits,
  SandboxClosedError,
  withDeadline,
} from '../../core/index.ts';
import { SESSION_CLOSED_MESSAGE, streamTo } from '../../tools/index.ts';
import { outcomeResult } from './job-outcomes.ts';
import type { JobEnvelope, JobResult, SessionOutcome, SessionRequest } from './job-schema.ts';
import { checkJobRequestLimits } from './job-schema.ts';
import {
  isSessionRequest,
  readSessionStats,
  runFileOperation,
  UNKNOWN_STATS,
} from './session-ops.ts';

/**
 * A run that was aborted (a cancel, its deadline, a worker shutting down) and then ended by
 * its sandbox closing (the escalation of that abort, or the runner closing) was aborted: it
 * is answered `cancelled`/`timed-out`, not as a session closed by its user.
 */
function abortedFirst(error: unknown, signal: AbortSignal): unknown {
  return error instanceof SandboxClosedError && signal.aborted
    ? new AbortedError({ message: 'The run was aborted', cause: signal.reason })
    : error;
}

/** Time a job may run when its request sets none. */
export const DEFAULT_JOB_TIMEOUT_MS = 120_000;
/**
 * A run-code job's own deadline is the sandbox's (it interrupts, restarts or replaces the
 * kernel and says which); the job is aborted only if that has not ended it this much later.
 */
export const RUN_CODE_BACKSTOP_MS = 45_000;

export interface JobRunnerOptions {
  /** Serves tool-call jobs: its actions are the tools this runner offers. */
  executor: ActionExecutor;
  /** Serves run-code jobs. */
  sandboxes?: SandboxProvider;
  /** @default DEFAULT_JOB_TIMEOUT_MS */
  defaultTimeoutMs?: number;
  /**
   * What a job may ask for: code and argument sizes, argument depth, and the longest
   * `timeoutMs` (maxExecutionTimeoutMs). A job over them is refused, never clamped: it ends
   * `failed` with the reason and does not run. Workers and the embedded backend check jobs
   * against these. @default DEFAULT_REQUEST_LIMITS
   */
  limits?: Partial<RequestLimits>;
  /** Closed with the runner, after its sessions (the sandbox provider, a thread pool). */
  resources?: readonly { close(): Promise<void> }[];
}

export interface RunJobOptions {
  jobId: string;
  envelope: JobEnvelope;
  workerId: string;
  signal?: AbortSignal | undefined;
  emit?: (event: ToolEvent) => void;
}

/**
 * Runs one job: a tool call through the executor, or code in a sandbox session. The user's
 * failures come back as a completed result; a timeout or a cancellation as a result saying
 * so; only platform failures throw. Both queue backends (Redis and embedded) run jobs here.
 */
export class JobRunner {
  readonly executor: ActionExecutor;
  readonly limits: Readonly<RequestLimits>;
  readonly #sandboxes: SandboxProvider | undefined;
  readonly #defaultTimeoutMs: number;
  readonly #sessions = new Map<string, Promise<Sandbox>>();
  readonly #resources: readonly { close(): Promise<void> }[];

  constructor({
    executor,
    sandboxes,
    defaultTimeoutMs = DEFAULT_JOB_TIMEOUT_MS,
    resources = [],
    limits = {},
  }: JobRunnerOptions) {
    this.limits = Object.freeze(resolveRequestLimits(limits));
    if (defaultTimeoutMs > this.limits.maxExecutionTimeoutMs) {
      throw new InvalidArgumentError({
        message: `defaultTimeoutMs (${defaultTimeoutMs}) is longer than maxExecutionTimeoutMs (${this.limits.maxExecutionTimeoutMs})`,
      });
    }
    this.executor = executor;
    this.#resources = resources;
    this.#sandboxes = sandboxes;
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  async run({ jobId, envelope, workerId, signal, emit }: RunJobOptions): Promise<JobResult> {
    const { request, sessionKey } = envelope;
    // Whoever queued it (another submitter, raw BullMQ) may not have checked it.
    checkJobRequestLimits(request, this.limits);
    const timeoutMs = request.timeoutMs ?? this.#defaultTimeoutMs;
    const deadline = AbortSignal.timeout(
      request.kind === 'run-code'
        ? timeoutMs + RUN_CODE_BACKSTOP_MS
        : request.kind === 'run-batch'
          ? // Each program's own deadline holds; one after another is the longest they take.
            timeoutMs * request.programs.length + RUN_CODE_BACKSTOP_MS
          : timeoutMs,
    );
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      if (request.kind === 'tool-call') {
        // A call without a session gets one of its own, closed when it ends.
        const sessionId = sessionKey ?? `job:${jobId}`;
        try {
          const actionReturn = await this.executor.forward({
            name: request.call.name,
            parameters: request.call.parameters,
            sessionId,
            signal: combined,
            ...(request.call.id === undefined ? {} : { toolCallId: request.call.id }),
            ...(emit ? { emit } : {}),
          });
          return { jobId, status: 'completed', workerId, actionReturn };
        } finally {
          if (sessionKey === undefined) await this.executor.closeSession(sessionId);
        }
      }
      if (isSessionRequest(request)) {
        const session = await this.#sessionJob({ request, sessionKey, signal: combined });
        return { jobId, status: 'completed', workerId, session };
      }
      if (request.kind === 'run-batch') {
        const executions = await this.#runBatch({
          programs: request.programs,
          timeoutMs,
          signal: combined,
          envs: request.envs,
          maxOutputBytes: request.maxOutputBytes,
        });
        return { jobId, status: 'completed', workerId, executions };
      }
      const execution = await this.#runCode({
        code: request.code,
        fresh: request.fresh === true,
        sessionKey,
        timeoutMs,
        signal: combined,
        envs: request.envs,
        maxOutputBytes: request.maxOutputBytes,
        emit,
      });
      return { jobId, status: 'completed', workerId, execution };
    } catch (error) {
      if (!(
        error instanceof AbortedError ||
        (PlatformError.isInstance(error) && error.code === 'ABORTED')
      ))
        throw error;
      const status = deadline.aborted && !signal?.aborted ? 'timed-out' : 'cancelled';
      return outcomeResult({
        jobId,
        request,
        status,
        workerId,
        detail: status === 'timed-out' ? `(limit ${timeoutMs} ms)` : '',
      });
    }
  }

  async #sessionJob({
    request,
    sessionKey,
    signal,
  }: {
    request: SessionRequest;
    sessionKey: string | undefined;
    signal: AbortSignal;
  }): Promise<SessionOutcome> {
    // The submitter sets the key from the request's session id; a raw job may lack it.
    if (sessionKey === undefined)
      throw new InvalidArgumentError({ message: `A ${request.kind} job needs its session's key` });
    if (request.kind === 'close-session') {
      const open = this.#sessions.has(sessionKey);
      await this.closeSession(sessionKey);
      return { open };
    }
    // A reading starts no sandbox: a session this runner holds none for has nothing to show.
    if (request.kind === 'session-stats' && !this.#sessions.has(sessionKey))
      return { stats: UNKNOWN_STATS };
    if (!this.#sandboxes)
      throw new InvalidArgumentError({ message: 'This runner has no sandboxes for sessions' });
    const sandbox = await this.#session(sessionKey, signal);
    if (request.kind === 'open-session') return { open: true };
    try {
      if (request.kind === 'session-stats') return await readSessionStats({ sandbox, signal });
      return await runFileOperation({ request, sandbox, signal });
    } catch (error) {
      if (!(error instanceof SandboxClosedError)) throw error;
      this.#sessions.delete(sessionKey);
      // A sandbox closed since (its provider reclaimed it idle) has nothing to show either.
      if (request.kind === 'session-stats' && !signal.aborted) return { stats: UNKNOWN_STATS };
      throw abortedFirst(error, signal);
    }
  }

  /**
   * Every program on fresh state, all handed to the provider at once: it runs as many at a
   * time as it has fresh containers, and the batch's programs share them with other jobs.
   */
  async #runBatch({
    programs,
    timeoutMs,
    signal,
    envs,
    maxOutputBytes,
  }: {
    programs: readonly string[];
    timeoutMs: number;
    signal: AbortSignal;
    envs: Record<string, string> | undefined;
    maxOutputBytes: number | undefined;
  }): Promise<Execution[]> {
    const runFresh = this.#sandboxes?.runFresh?.bind(this.#sandboxes);
    if (!runFresh)
      throw new InvalidArgumentError({
        message: "This runner's sandboxes have no fresh mode (it needs the Docker sandboxes)",
      });
    const runs = programs.map((code) =>
      runFresh({
        code,
        timeoutMs,
        signal,
        ...(envs ? { envs } : {}),
        ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }),
      }),
    );
    // All settle before the batch answers: no run goes on past its job.
    const settled = await Promise.allSettled(runs);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<Execution>).value);
  }

  async #runCode({
    code,
    fresh,
    sessionKey,
    timeoutMs,
    signal,
    envs,
    maxOutputBytes,
    emit,
  }: {
    code: string;
    fresh: boolean;
    sessionKey: string | undefined;
    timeoutMs: number;
    signal: AbortSignal;
    envs: Record<string, string> | undefined;
    /** Fresh runs only (the request schema refuses it otherwise). */
    maxOutputBytes: number | undefined;
    emit: ((event: ToolEvent) => void) | undefined;
  }): Promise<Execution> {
    if (!this.#sandboxes)
      throw new PlatformError('INVALID_ARGUMENT', {
        message: 'This runner has no sandboxes for run-code jobs',
      });
    const options = {
      code,
      timeoutMs,
      signal,
      ...(envs ? { envs } : {}),
      ...streamTo(emit),
    };
    if (fresh) {
      if (!this.#sandboxes.runFresh)
        throw new InvalidArgumentError({
          message: "This runner's sandboxes have no fresh mode (it needs the Docker sandboxes)",
        });
      return await this.#sandboxes.runFresh({
        ...options,
        ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }),
      });
    }
    if (sessionKey === undefined) {
      const sandbox = await this.#sandboxes.create({ signal });
      try {
        return await sandbox.runCode(options);
      } catch (error) {
        throw abortedFirst(error, signal);
      } finally {
        await sandbox.close();
      }
    }
    const sandbox = await this.#session(sessionKey, signal);
    try {
      return await sandbox.runCode(options);
    } catch (error) {
      if (!(error instanceof SandboxClosedError)) throw error;
      this.#sessions.delete(sessionKey);
      if (signal.aborted) throw abortedFirst(error, signal);
      return {
        results: [],
        logs: { stdout: [], stderr: [] },
        error: { name: 'SessionClosed', value: SESSION_CLOSED_MESSAGE, traceback: '' },
        executionCount: null,
      };
    }
  }

  /**
   * The session's sandbox, started by its first job. The start belongs to the session, not
   * to that job: every job of the session waits for the same start, so it must not be
   * aborted with one job's signal (the next job would get that job's AbortedError and end
   * 'cancelled'). It is bounded by the provider's start timeout; each job stops waiting
   * for it when its own signal aborts.
   */
  #session(sessionKey: string, signal: AbortSignal): Promise<Sandbox> {
    let sandbox = this.#sessions.get(sessionKey);
    if (!sandbox) {
      sandbox = (this.#sandboxes as SandboxProvider).create({ sessionId: sessionKey });
      sandbox.catch(() => this.#sessions.delete(sessionKey));
      this.#sessions.set(sessionKey, sandbox);
    }
    return withDeadline({ promise: sandbox, signal, what: 'Waiting for the session to start' });
  }

  /** Sessions this runner holds (run-code sessions; tool sessions live in their tools). */
  get sessionKeys(): string[] {
    return [...this.#sessions.keys()];
  }

  async closeSession(sessionKey: string): Promise<void> {
    const sandbox = this.#sessions.get(sessionKey);
    this.#sessions.delete(sessionKey);
    await Promise.all([
      sandbox?.then((opened) => opened.close()).catch(() => undefined),
      this.executor.closeSession(sessionKey),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((key) => this.closeSession(key)));
    await this.executor.dispose();
    for (const resource of this.#resources) await resource.close();
  }
}
