import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobEvent, JobResult } from './job-schema.ts';
import type { RedisKeys } from './redis-keys.ts';
import { DEFAULT_SESSION_TTL_MS } from './redis-keys.ts';
import {
  BEAT,
  BEGIN_JOB,
  END_TURN,
  MOVE_SESSION,
  RELEASE_JOB,
  REQUEUE_JOB,
  STORE_RESULT,
  SUBMIT_JOB,
} from './redis-lua.ts';

/** How long an ended job's result is kept when the submitter chose a random id. */
export const JOB_STATE_TTL_S = 3_600;
/**
 * How long a job's record is kept at least while it is queued or running (its deadline may
 * push this further).
 */
export const ACTIVE_JOB_TTL_S = 3_600;
/**
 * A job's event stream is for watching it run: kept 10 minutes from its start, and one minute
 * from its end (a later watcher gets the stored result). Each stream costs Redis ~4.7 KB.
 */
export const JOB_EVENTS_TTL_S = 600;
export const JOB_EVENTS_ENDED_TTL_S = 60;
/**
 * Approximate length of the shared results stream. A submitter that falls further behind
 * finds its results in the jobs' state records instead (its waits check them every second).
 */
export const RESULTS_STREAM_LENGTH = 10_000;

// Scripts are registered once per connection and then run by their SHA (EVALSHA), so their
// text is not sent with every job.
type ScriptReply = Promise<[string, string?, string?, string?]>;
interface ScriptedRedis {
  lagentSubmitJob(...args: (string | number)[]): ScriptReply;
  lagentBeginJob(...args: (string | number)[]): ScriptReply;
  lagentStoreResult(...args: (string | number)[]): Promise<number>;
  lagentReleaseJob(state: string, workerId: string): Promise<number>;
  lagentBeat(...args: (string | number)[]): Promise<number>;
  lagentMoveSession(session: string, deadOwner: string, newOwner: string): Promise<number>;
  lagentRequeueJob(state: string, owner: string): Promise<number>;
  lagentEndTurn(session: string, prefix: string, sessionKey: string, turn: number): Promise<number>;
}

const registered = new WeakSet<Redis>();

function scripted(redis: Redis): ScriptedRedis {
  if (!registered.has(redis)) {
    redis.defineCommand('lagentSubmitJob', { numberOfKeys: 4, lua: SUBMIT_JOB });
    redis.defineCommand('lagentBeginJob', { numberOfKeys: 3, lua: BEGIN_JOB });
    redis.defineCommand('lagentStoreResult', { numberOfKeys: 4, lua: STORE_RESULT });
    redis.defineCommand('lagentReleaseJob', { numberOfKeys: 1, lua: RELEASE_JOB });
    redis.defineCommand('lagentBeat', { numberOfKeys: 3, lua: BEAT });
    redis.defineCommand('lagentMoveSession', { numberOfKeys: 1, lua: MOVE_SESSION });
    redis.defineCommand('lagentRequeueJob', { numberOfKeys: 1, lua: REQUEUE_JOB });
    redis.defineCommand('lagentEndTurn', { numberOfKeys: 1, lua: END_TURN });
    registered.add(redis);
  }
  return redis as unknown as ScriptedRedis;
}

/** A key no script writes: the placeholder for an optional KEYS slot. */
const assignedKey = (keys: RedisKeys) => `${keys.prefix}:assigned`;

export type JobSubmission =
  /** The id was seen before: its record, as stored. */
  | { kind: 'exists'; record: string }
  /** Queued: for the shared queue when `owner` is '', else for that worker's own queue. */
  | { kind: 'queued'; owner: string; seq: number; epoch: string }
  /** The session's owner is dead: the job's record is queued for it, to be answered lost. */
  | { kind: 'session-lost'; owner: string }
  /** The job names a session and no worker is alive to own it. */
  | { kind: 'no-worker' };

export async function submitJob(
  redis: Redis,
  keys: RedisKeys,
  {
    jobId,
    sessionKey,
    expectedOwner,
    deadlineMs,
    resultTtlS,
    sessionTtlMs,
  }: {
    jobId: string;
    sessionKey: string | undefined;
    /** The owner this submitter last saw for the session: its record vanishing is a loss. */
    expectedOwner: string | undefined;
    deadlineMs: number;
    resultTtlS: number;
    sessionTtlMs: number;
  },
): Promise<JobSubmission> {
  const [kind, first = '', second = '0', third = ''] = await scripted(redis).lagentSubmitJob(
    keys.state(jobId),
    keys.session(sessionKey ?? ''),
    keys.workers,
    assignedKey(keys),
    keys.prefix,
    sessionKey ?? '',
    Math.max(0, Math.round(deadlineMs)),
    resultTtlS,
    sessionTtlMs,
    randomUUID(),
    Math.random(),
    Math.max(ACTIVE_JOB_TTL_S, resultTtlS, Math.ceil(deadlineMs / 1000) + ACTIVE_JOB_TTL_S),
    expectedOwner ?? '',
    jobId,
  );
  if (kind === 'exists') return { kind, record: first };
  if (kind === 'session-lost') return { kind, owner: first };
  if (kind === 'no-worker') return { kind };
  return { kind: 'queued', owner: first, seq: Number(second), epoch: third };
}

export type JobStart =
  | { kind: 'run' }
  /** This worker's lease expired: it must not start anything under its id. */
  | { kind: 'fenced' }
  /** The job's record is gone (Redis lost its data, or it expired). */
  | { kind: 'missing' }
  | { kind: 'done' }
  /**
   * It is running, on `worker` (maybe this one): this delivery is a second copy of the job.
   * `alive`: that worker's lease is alive, so its run goes on and gives the job's answer;
   * otherwise the run died with its worker.
   */
  | { kind: 'running'; worker: string; alive: boolean }
  | { kind: 'expired' }
  | { kind: 'session-lost'; owner: string }
  | { kind: 'owned-elsewhere'; owner: string }
  /** An earlier call of the session has not ended: `turn` is the one that may run. */
  | { kind: 'wait'; turn: number };

export async function beginJob(
  redis: Redis,
  keys: RedisKeys,
  { jobId, workerId }: { jobId: string; workerId: string },
): Promise<JobStart> {
  const [kind, detail = '', alive = '0'] = await scripted(redis).lagentBeginJob(
    keys.state(jobId),
    keys.events(jobId),
    keys.worker(workerId),
    workerId,
    JSON.stringify({ type: 'started', workerId }),
    JOB_EVENTS_TTL_S,
    keys.prefix,
  );
  switch (kind) {
    case 'run':
    case 'fenced':
    case 'missing':
    case 'done':
    case 'expired':
      return { kind };
    case 'running':
      return { kind: 'running', worker: detail, alive: alive === '1' };
    case 'session-lost':
      return { kind: 'session-lost', owner: detail };
    case 'owned-elsewhere':
      return { kind: 'owned-elsewhere', owner: detail };
    default:
      return { kind: 'wait', turn: Number(detail) };
  }
}

export async function publishEvent(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  event: JobEvent,
): Promise<void> {
  // The stream got its TTL with the start event (beginJob), and gets it again at the end.
  await redis.xadd(keys.events(jobId), '*', 'e', JSON.stringify(event));
}

/** How storing a result went. */
export type StoreOutcome = 'stored' | 'already-ended' | 'not-running-here' | 'fenced' | 'unknown';

const storeOutcomes: Record<string, StoreOutcome> = {
  '1': 'stored',
  '0': 'already-ended',
  '-1': 'not-running-here',
  '-2': 'fenced',
  '-3': 'unknown',
};

async function store(
  redis: Redis,
  keys: RedisKeys,
  {
    result,
    mode,
    workerId,
    stopRunning,
  }: {
    result: JobResult;
    mode: 'worker' | 'verdict' | 'known-verdict';
    workerId: string;
    stopRunning: boolean;
  },
): Promise<StoreOutcome> {
  const text = JSON.stringify(result);
  const code = await scripted(redis).lagentStoreResult(
    keys.state(result.jobId),
    keys.events(result.jobId),
    keys.results,
    keys.worker(workerId),
    text,
    mode,
    workerId,
    JOB_EVENTS_ENDED_TTL_S,
    RESULTS_STREAM_LENGTH,
    keys.prefix,
    JOB_STATE_TTL_S,
    stopRunning ? '1' : '0',
    result.jobId,
    result.status === 'session-lost' ? '1' : '0',
    DEFAULT_SESSION_TTL_MS,
  );
  return storeOutcomes[String(code)] ?? 'already-ended';
}

/**
 * A worker stores the result of a job it ran. Refused unless the job still runs on this
 * worker (no verdict ended it meanwhile) and the worker's lease is alive.
 */
export function storeWorkerResult(
  redis: Redis,
  keys: RedisKeys,
  { result, workerId }: { result: JobResult; workerId: string },
): Promise<StoreOutcome> {
  return store(redis, keys, { result, mode: 'worker', workerId, stopRunning: false });
}

/**
 * Ends a job with a verdict (a cancel, a deadline, a liveness verdict) unless it already has
 * a result: the first ending wins. With `stopRunning`, a worker running the job is told to
 * stop it (through the cancel channel; workers also check their jobs' records).
 */
export async function storeVerdict(
  redis: Redis,
  keys: RedisKeys,
  {
    result,
    stopRunning = false,
    onlyIfKnown = false,
  }: {
    result: JobResult;
    stopRunning?: boolean;
    /** Only while the job's record exists: one lost with Redis's data stays lost. */
    onlyIfKnown?: boolean;
  },
): Promise<boolean> {
  const mode = onlyIfKnown ? 'known-verdict' : 'verdict';
  return (await store(redis, keys, { result, mode, workerId: '', stopRunning })) === 'stored';
}

/** Gives a job back for a retry, unless it has ended meanwhile. */
export async function releaseJob(
  redis: Redis,
  keys: RedisKeys,
  { jobId, workerId }: { jobId: string; workerId: string },
): Promise<boolean> {
  return (await scripted(redis).lagentReleaseJob(keys.state(jobId), workerId)) === 1;
}

/**
 * Renews (or, registering, takes) a worker's lease and keeps its sessions alive. False when
 * the lease had expired: the worker was declared dead and must take a new id.
 */
export async function beat(
  redis: Redis,
  keys: RedisKeys,
  {
    workerId,
    health,
    leaseMs,
    register,
    sessionTtlMs,
    sessions,
  }: {
    workerId: string;
    health: string;
    leaseMs: number;
    register: boolean;
    sessionTtlMs: number;
    sessions: readonly string[];
  },
): Promise<boolean> {
  return (
    (await scripted(redis).lagentBeat(
      keys.worker(workerId),
      keys.workers,
      assignedKey(keys),
      workerId,
      health,
      leaseMs,
      register ? 'register' : 'renew',
      sessionTtlMs,
      keys.prefix,
      ...sessions,
    )) === 1
  );
}

/** Gives a session that never started to a new owner (false: it had started, so it is lost). */
export async function moveSession(
  redis: Redis,
  keys: RedisKeys,
  { sessionKey, from, to }: { sessionKey: string; from: string; to: string },
): Promise<boolean> {
  return (await scripted(redis).lagentMoveSession(keys.session(sessionKey), from, to)) === 1;
}

/** Points a queued job's record at a new owner's queue (false: it is no longer queued). */
export async function requeueJob(
  redis: Redis,
  keys: RedisKeys,
  { jobId, owner }: { jobId: string; owner: string },
): Promise<boolean> {
  return (await scripted(redis).lagentRequeueJob(keys.state(jobId), owner)) === 1;
}

/** Ends a session's turn whose call left no record, so the calls after it can run. */
export async function endTurn(
  redis: Redis,
  keys: RedisKeys,
  { sessionKey, turn }: { sessionKey: string; turn: number },
): Promise<void> {
  await scripted(redis).lagentEndTurn(keys.session(sessionKey), keys.prefix, sessionKey, turn);
}
