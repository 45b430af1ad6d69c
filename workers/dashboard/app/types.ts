// The API's answers as the dashboard reads them (the OpenAPI document at /openapi.json is
// the full reference; these are the fields the pages use).

export interface ExecutionResult {
  text?: string;
  html?: string;
  markdown?: string;
  svg?: string;
  png?: string;
  jpeg?: string;
  json?: unknown;
  isMainResult?: boolean;
}

export interface Execution {
  results: ExecutionResult[];
  logs: { stdout: string[]; stderr: string[] };
  error: { name: string; value: string; traceback: string } | null;
  executionCount: number | null;
  truncated?: boolean;
  timedOut?: string;
}

export interface ActionReturn {
  type?: string;
  args?: unknown;
  result?: Array<{ type: string; content: string }> | null;
  errmsg?: string | null;
  state?: number;
}

export interface JobResult {
  jobId: string;
  status: string;
  workerId: string | null;
  execution?: Execution;
  /** A run-batch job's: one per program, in order. */
  executions?: Execution[];
  actionReturn?: ActionReturn;
}

export interface JobRequest {
  kind: string;
  code?: string;
  /** A run-batch job's programs. */
  programs?: string[];
  language?: string;
  sessionId?: string;
  call?: { name: string; parameters: unknown };
  timeoutMs?: number;
}

export interface JobInfo {
  jobId: string;
  state: 'queued' | 'running' | 'ended';
  workerId: string | null;
  result?: JobResult;
  request?: JobRequest;
  submittedAt?: number;
}

export interface JobSummary {
  jobId: string;
  tenant: string | null;
  kind: string;
  state: 'queued' | 'running' | 'ended';
  status: string | null;
  title: string;
  sessionId: string | null;
  submittedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  workerId: string | null;
  failure: string | null;
}

export interface Session {
  sessionId: string;
  language: 'python' | 'javascript';
  createdAt: number;
  lastUsedAt: number;
  idleTtlMs: number;
}

/** `GET /v1/sessions/{id}/stats`: null where the session's sandbox does not say. */
export interface SessionStats {
  sessionId: string;
  runtime: string | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  pids: number | null;
}

export interface WorkerSample {
  workerId: string;
  host: string | null;
  status: string;
  uptimeMs: number | null;
  active: number;
  finished: number | null;
  sessions: number | null;
  jobsPerSecond: number | null;
}

export interface StatusSample {
  at: number;
  waiting: number;
  active: number;
  sessions: number;
  jobsPerSecond: number;
  workers: WorkerSample[];
  error?: string;
}

export interface FailedJob {
  jobId: string;
  reason: string;
  attempts: number;
  failedAt: number | null;
}
