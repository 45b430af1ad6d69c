import type { Redis } from 'ioredis';
import { safeParseJson } from '../../core/index.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import type { RedisKeys } from './redis-keys.ts';

/** How long job state, events and results are kept. */
export const JOB_STATE_TTL_S = 86_400;
export const JOB_EVENTS_TTL_S = 3_600;
/** Approximate length of the shared results stream. */
export const RESULTS_STREAM_LENGTH = 100_000;

// Marks a job as running on this worker unless it was seen before. Returns 'run', or the
// existing state: a job must never run the user's code twice, even when redelivered.
const CLAIM_RUN = `
local current = redis.call('GET', KEYS[1])
if current then
  local state = cjson.decode(current)
  if not (state.status == 'queued' and state.worker == ARGV[1]) then return current end
end
redis.call('SET', KEYS[1], cjson.encode({status = 'running', worker = ARGV[1]}), 'EX', ARGV[2])
return 'run'
`;

// The session's owner, claiming it for this worker when it has none.
const CLAIM_SESSION = `
local owner = redis.call('GET', KEYS[1])
if owner then return owner end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;

// Stores a result unless the job already has one. Returns 1 if stored.
const STORE_RESULT = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).status == 'done' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'r', ARGV[6])
return 1
`;

export type RunClaim =
  { kind: 'run' } | { kind: 'done' } | { kind: 'running-elsewhere'; worker: string };

export async function claimRun(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  workerId: string,
): Promise<RunClaim> {
  const answer = (await redis.eval(
    CLAIM_RUN,
    1,
    keys.state(jobId),
    workerId,
    JOB_STATE_TTL_S,
  )) as string;
  if (answer === 'run') return { kind: 'run' };
  const parsed = safeParseJson(answer);
  const state = parsed.success ? (parsed.value as { status?: string; worker?: string }) : {};
  if (state.status === 'done') return { kind: 'done' };
  return { kind: 'running-elsewhere', worker: state.worker ?? 'unknown' };
}

export async function claimSession(
  redis: Redis,
  keys: RedisKeys,
  sessionKey: string,
  workerId: string,
  ttlMs: number,
): Promise<string> {
  return (await redis.eval(CLAIM_SESSION, 1, keys.session(sessionKey), workerId, ttlMs)) as string;
}

export async function publishEvent(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  event: JobEvent,
): Promise<void> {
  await redis
    .pipeline()
    .xadd(keys.events(jobId), '*', 'e', JSON.stringify(event))
    .expire(keys.events(jobId), JOB_EVENTS_TTL_S)
    .exec();
}

/**
 * Records the job's one result (unless it already has one) and announces it: on the job's
 * event stream and on the shared results stream that waiting submitters read. Returns
 * false when the job had a result already.
 */
export async function publishEnd(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  result: JobResult,
): Promise<boolean> {
  const stored = await redis.eval(
    STORE_RESULT,
    3,
    keys.state(jobId),
    keys.events(jobId),
    keys.results,
    JSON.stringify({ status: 'done', result }),
    JSON.stringify({ type: 'end', result }),
    JOB_STATE_TTL_S,
    JOB_EVENTS_TTL_S,
    RESULTS_STREAM_LENGTH,
    JSON.stringify(result),
  );
  return stored === 1;
}
