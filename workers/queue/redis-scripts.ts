import type { Redis } from 'ioredis';
import { safeParseJson } from '../../core/index.ts';
import type { JobEvent, JobResult } from './job-schema.ts';
import type { RedisKeys } from './redis-keys.ts';

/**
 * How long a job's state and result are kept: also the window in which submitting the same
 * job id again does not run it again. About 1 KB per job for small results.
 */
export const JOB_STATE_TTL_S = 3_600;
/**
 * A job's event stream is for watching it run: kept 10 minutes from its start, and one minute
 * from its end (a later watcher gets the stored result). Each stream costs Redis ~4.7 KB.
 */
export const JOB_EVENTS_TTL_S = 600;
export const JOB_EVENTS_ENDED_TTL_S = 60;
/**
 * Approximate length of the shared results stream. A submitter that falls further behind
 * finds its results in the jobs' state keys instead (its waits check them every second).
 */
export const RESULTS_STREAM_LENGTH = 10_000;

// Starts a job on this worker, in one step: unless the job was seen before (a result, or a
// run elsewhere: its code must never run twice), and unless its session belongs to another
// worker, the session is claimed, the job marked running here and its start announced.
const BEGIN_JOB = `
local current = redis.call('GET', KEYS[1])
if current then
  local state = cjson.decode(current)
  if not (state.status == 'queued' and state.worker == ARGV[1]) then return {'state', current} end
end
if ARGV[6] == '1' then
  local owner = redis.call('GET', KEYS[2])
  if not owner then
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
    owner = ARGV[1]
  end
  if owner ~= ARGV[1] then return {'owner', owner} end
end
redis.call('SET', KEYS[1], cjson.encode({status = 'running', worker = ARGV[1]}), 'EX', ARGV[2])
redis.call('XADD', KEYS[3], '*', 'e', ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return {'run'}
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

// Gives a job back for a retry: clears its start record, but only while it is still running
// on this worker. Once it has a result (a deadline or a cancel may have stored one meanwhile),
// that result stays, and the retry will find it instead of running the code. Returns 1 if
// the job was given back.
const RELEASE_JOB = `
local current = redis.call('GET', KEYS[1])
if not current then return 1 end
local state = cjson.decode(current)
if state.status == 'running' and state.worker == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

export type JobStart =
  | { kind: 'run' }
  | { kind: 'done' }
  | { kind: 'running-elsewhere'; worker: string }
  | { kind: 'owned-elsewhere'; owner: string };

// Scripts are registered once per connection and then run by their SHA (EVALSHA), so their
// text is not sent with every job.
interface ScriptedRedis {
  lagentBeginJob(
    state: string,
    session: string,
    events: string,
    workerId: string,
    stateTtlS: number,
    sessionTtlMs: number,
    startedEvent: string,
    eventsTtlS: number,
    hasSession: '0' | '1',
  ): Promise<[string, string?]>;
  lagentStoreResult(
    state: string,
    events: string,
    results: string,
    stateValue: string,
    endEvent: string,
    stateTtlS: number,
    eventsTtlS: number,
    resultsLength: number,
    result: string,
  ): Promise<number>;
  lagentReleaseJob(state: string, workerId: string): Promise<number>;
}

const registered = new WeakSet<Redis>();

function scripted(redis: Redis): ScriptedRedis {
  if (!registered.has(redis)) {
    redis.defineCommand('lagentBeginJob', { numberOfKeys: 3, lua: BEGIN_JOB });
    redis.defineCommand('lagentStoreResult', { numberOfKeys: 3, lua: STORE_RESULT });
    redis.defineCommand('lagentReleaseJob', { numberOfKeys: 1, lua: RELEASE_JOB });
    registered.add(redis);
  }
  return redis as unknown as ScriptedRedis;
}

export async function beginJob(
  redis: Redis,
  keys: RedisKeys,
  {
    jobId,
    workerId,
    sessionKey,
    sessionTtlMs,
  }: { jobId: string; workerId: string; sessionKey: string | undefined; sessionTtlMs: number },
): Promise<JobStart> {
  const [kind, detail = ''] = await scripted(redis).lagentBeginJob(
    keys.state(jobId),
    keys.session(sessionKey ?? ''),
    keys.events(jobId),
    workerId,
    JOB_STATE_TTL_S,
    sessionTtlMs,
    JSON.stringify({ type: 'started', workerId }),
    JOB_EVENTS_TTL_S,
    sessionKey === undefined ? '0' : '1',
  );
  if (kind === 'run') return { kind: 'run' };
  if (kind === 'owner') return { kind: 'owned-elsewhere', owner: detail };
  const parsed = safeParseJson(detail);
  const state = parsed.success ? (parsed.value as { status?: string; worker?: string }) : {};
  if (state.status === 'done') return { kind: 'done' };
  return { kind: 'running-elsewhere', worker: state.worker ?? 'unknown' };
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
  const stored = await scripted(redis).lagentStoreResult(
    keys.state(jobId),
    keys.events(jobId),
    keys.results,
    JSON.stringify({ status: 'done', result }),
    JSON.stringify({ type: 'end', result }),
    JOB_STATE_TTL_S,
    JOB_EVENTS_ENDED_TTL_S,
    RESULTS_STREAM_LENGTH,
    JSON.stringify(result),
  );
  return stored === 1;
}

/** Clears a job's start record for a retry, unless the job has ended meanwhile. */
export async function releaseJob(
  redis: Redis,
  keys: RedisKeys,
  { jobId, workerId }: { jobId: string; workerId: string },
): Promise<boolean> {
  return (await scripted(redis).lagentReleaseJob(keys.state(jobId), workerId)) === 1;
}
