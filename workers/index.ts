// lagent-ts/workers: puts core, sandboxes and tools together (CLI, queue workers), and the
// scripted model server used for offline runs and tests.
export type {
  ChatCompletionBody,
  RecordedRequest,
  ScriptedModelServer,
  ScriptedReply,
  ScriptedReplyFn,
  ScriptedToolCall,
  StartScriptedModelServerOptions,
} from './model-replay/scripted-model-server.ts';
export {
  DEFAULT_CHUNK_CHARS,
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_RETRY_AFTER_MS,
  DEFAULT_SCRIPTED_MODEL,
  startScriptedModelServer,
} from './model-replay/scripted-model-server.ts';
export {
  SEED_FEWSHOT,
  SEED_SINGLE_AGENT,
  SEED_TOOL_PARSER,
} from './model-replay/seed-recordings.ts';
export type { ModelFromEnv } from './cli/model-from-env.ts';
export { DEFAULT_LIVE_MODEL, modelFromEnv } from './cli/model-from-env.ts';
export type { CoderOptions } from './agents/coder.ts';
export { CODE_END, Coder, DEFAULT_CODER_MAX_TURN, DEFAULT_CODER_PROMPT } from './agents/coder.ts';

// The job queue: submitting jobs (Redis or embedded), the queue executor, worker processes.
export type {
  FailedJob,
  JobBackend,
  JobInfo,
  QueueStatus,
  SubmitOptions,
  ToolDescriptor,
  WaitOptions,
  WorkerInfo,
} from './queue/job-backend.ts';
export {
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  DEFAULT_JOB_DEADLINE_MS,
  DEFAULT_RESULT_TTL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  isValidJobId,
} from './queue/job-backend.ts';
export type { ConnectJobsOptions } from './queue/job-client.ts';
export { connectJobs } from './queue/job-client.ts';
export type {
  JobEnvelope,
  JobEvent,
  JobRequest,
  JobResult,
  JobStatus,
  ParsedJobRequest,
} from './queue/job-schema.ts';
export {
  JobEventSchema,
  JobRequestSchema,
  JobResultSchema,
  JobStatusSchema,
  parseJobEvent,
  parseJobRequest,
  parseJobResult,
  RunCodeRequestSchema,
  ToolCallRequestSchema,
} from './queue/job-schema.ts';
export { OUTCOME_MESSAGES } from './queue/job-outcomes.ts';
export type { RedisJobClientOptions } from './queue/redis-job-client.ts';
export {
  DEFAULT_JOB_ATTEMPTS,
  DEFAULT_LIVENESS_INTERVAL_MS,
  DEFAULT_MAX_QUEUE_LENGTH,
  DEFAULT_RETRY_BACKOFF_MS,
  RedisJobClient,
} from './queue/redis-job-client.ts';
export type { BatchResult, SubmitBatchOptions } from './queue/job-batch.ts';
export { DEFAULT_BATCH_SUBMIT_CONCURRENCY, submitBatch } from './queue/job-batch.ts';
export type { EmbeddedJobBackendOptions } from './queue/embedded-job-backend.ts';
export { DEFAULT_EMBEDDED_CONCURRENCY, EmbeddedJobBackend } from './queue/embedded-job-backend.ts';
export { DEFAULT_QUEUE_NAME, DEFAULT_REDIS_URL, queueNameFromEnv } from './queue/redis-keys.ts';
export type { PurgeQueueOptions } from './queue/purge-queue.ts';
export { purgeQueue } from './queue/purge-queue.ts';
export type { QueueExecutorOptions } from './queue/remote-action.ts';
export { createQueueExecutor, RemoteAction } from './queue/remote-action.ts';
export type { JobRunnerOptions, RunJobOptions } from './queue/job-runner.ts';
export { DEFAULT_JOB_TIMEOUT_MS, JobRunner } from './queue/job-runner.ts';
export type { BuiltInTool, WorkerRunnerOptions } from './queue/worker-runner.ts';
export { BUILT_IN_TOOLS, createWorkerRunner, DEFAULT_WORKER_TOOLS } from './queue/worker-runner.ts';
export type { ToolWorkerOptions } from './queue/tool-worker.ts';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_STARTED_ATTEMPTS,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_WORKER_CONNECT_TIMEOUT_MS,
  ToolWorker,
} from './queue/tool-worker.ts';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './queue/redis-connection.ts';
export type { ThreadToolModule, ThreadToolPoolOptions } from './threads/thread-tool-pool.ts';
export { ThreadToolPool } from './threads/thread-tool-pool.ts';
