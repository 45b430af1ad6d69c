// The queue's Redis scripts. Each is one atomic step of a job's life; together they give
// every job id one result, run its code at most once, and run a session's calls in the
// order they were submitted. Times come from Redis's own clock (TIME), so hosts whose
// clocks disagree still agree on deadlines.
//
// A job's state record (JSON, `state:<jobId>`):
//   status    'queued' | 'running' | 'done'
//   owner     the worker whose own queue holds the job ('' for the shared queue)
//   worker    the worker running it (once running)
//   session   the session key; epoch (the session's incarnation) and seq (its place in line)
//   deadline  Redis time (ms) by which it must start; ttl: seconds its result is kept
//   result    the JobResult, once done
//
// Scripts reach keys they derive from a record (a session, a worker's heartbeat) through
// the key prefix in ARGV: the queue runs on one Redis, not a cluster.

const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// A record of an ended job starts with this (the one record written as text, not by cjson,
// whose key order is not fixed), so an ended job is recognised without decoding its result.
const DONE = `
local DONE = '{"status":"done"'
`;

// A session whose state died with its owner: the record becomes a tombstone, so the calls
// of that incarnation still queued hear "session lost" (their epoch no longer matches) and
// the next submit starts a fresh session.
const BURY_SESSION = `
local function bury_session(prefix, sessionKey, ttlMs)
  local session = prefix .. ':session:' .. sessionKey
  redis.call('DEL', session, prefix .. ':session-ended:' .. sessionKey)
  redis.call('HSET', session, 'lost', '1')
  redis.call('PEXPIRE', session, ttlMs)
end
`;

// Marks a session call ended and moves the session's turn past every call that has ended.
const ADVANCE_SESSION = `
local function advance_session(prefix, state)
  if not state.session or not state.seq then return end
  local session = prefix .. ':session:' .. state.session
  if redis.call('HGET', session, 'epoch') ~= state.epoch then return end
  local ended = prefix .. ':session-ended:' .. state.session
  redis.call('SADD', ended, state.seq)
  local turn = tonumber(redis.call('HGET', session, 'next') or '1')
  while redis.call('SREM', ended, turn) == 1 do
    redis.call('HDEL', session, 'job:' .. turn)
    turn = turn + 1
  end
  redis.call('HSET', session, 'next', turn)
  local ttl = redis.call('PTTL', session)
  if ttl > 0 then redis.call('PEXPIRE', ended, ttl) end
end
`;

/**
 * Submits a job's record. KEYS: state, session (or any key when there is none), workers
 * set, assigned-load hash. ARGV: prefix, session key ('' for none), deadline (ms from now),
 * result ttl (s), session ttl (ms), new epoch, random (0..1) for ties, active ttl (s), the
 * owner this submitter last saw for the session ('' for none), job id.
 * Returns {'exists', record} | {'queued', owner, seq, epoch} | {'session-lost', owner} |
 * {'no-worker'}.
 */
export const SUBMIT_JOB = `${NOW}${BURY_SESSION}
local current = redis.call('GET', KEYS[1])
if current then return {'exists', current} end
local prefix, sessionKey = ARGV[1], ARGV[2]
local now = now_ms()
local state = {status = 'queued', owner = '', deadline = now + tonumber(ARGV[3]),
  ttl = tonumber(ARGV[4]), at = now}
if sessionKey == '' then
  redis.call('SET', KEYS[1], cjson.encode(state), 'EX', ARGV[8])
  return {'queued', '', '0', ''}
end
local owner = redis.call('HGET', KEYS[2], 'owner')
if owner and redis.call('EXISTS', prefix .. ':worker:' .. owner) == 0 then
  -- The owner died: the session is gone. This call hears so; the next one starts afresh.
  bury_session(prefix, sessionKey, ARGV[5])
  state.owner = owner
  redis.call('SET', KEYS[1], cjson.encode(state), 'EX', ARGV[8])
  return {'session-lost', owner}
end
if redis.call('HEXISTS', KEYS[2], 'lost') == 1 then
  -- Its loss was told already: this call starts the session afresh.
  redis.call('DEL', KEYS[2])
elseif not owner and ARGV[9] ~= '' then
  -- This submitter used the session before and its record is gone (Redis lost its data, or
  -- the session was declared lost): the call hears so, and the next one starts afresh.
  state.owner = ARGV[9]
  redis.call('SET', KEYS[1], cjson.encode(state), 'EX', ARGV[8])
  return {'session-lost', ARGV[9]}
end
if not owner then
  -- A new session goes to the live worker with the least load (sessions and running jobs
  -- it reported, plus sessions given to it since), ties broken at random.
  local best, bestLoad = {}, nil
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    local beat = redis.call('GET', prefix .. ':worker:' .. id)
    if beat then
      local ok, health = pcall(cjson.decode, beat)
      if ok and type(health) == 'table' and health.status ~= 'draining' then
        local load = (tonumber(health.sessions) or 0) + (tonumber(health.active) or 0) +
          (tonumber(redis.call('HGET', KEYS[4], id)) or 0)
        if bestLoad == nil or load < bestLoad then best, bestLoad = {id}, load
        elseif load == bestLoad then table.insert(best, id) end
      end
    end
  end
  if bestLoad == nil then return {'no-worker'} end
  owner = best[math.min(#best, math.floor(tonumber(ARGV[7]) * #best) + 1)]
  redis.call('HINCRBY', KEYS[4], owner, 1)
  redis.call('HSET', KEYS[2], 'owner', owner, 'epoch', ARGV[6], 'seq', 0, 'next', 1)
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[2], 'job:' .. seq, ARGV[10])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
state.owner = owner
state.session = sessionKey
state.epoch = redis.call('HGET', KEYS[2], 'epoch')
state.seq = seq
redis.call('SET', KEYS[1], cjson.encode(state), 'EX', ARGV[8])
return {'queued', owner, tostring(seq), state.epoch}
`;

/**
 * Starts a job on this worker, if it may start: the worker's lease is alive, the job has
 * neither ended nor started (here or elsewhere), its deadline has not passed, its session
 * is the one it was queued for, and every earlier call of that session has ended. KEYS:
 * state, events, this worker's heartbeat. ARGV: worker id, started event, events ttl (s),
 * prefix. Returns {'run'} | {'fenced'} | {'missing'} | {'done'} |
 * {'running', worker, '1' if its lease is alive else '0'} | {'expired'} |
 * {'session-lost', owner} | {'owned-elsewhere', owner} | {'wait', turn}.
 *
 * A job id may be delivered more than once: BullMQ drops a second add of an id only within
 * one queue, and a resubmit, a forward or a reaper may put a copy in another queue (BullMQ
 * also redelivers a job whose lock lapsed). A delivery that finds the job running is one
 * of these copies: only when the worker running it has lost its lease did that run die with
 * it; while the lease is alive, the run's own result is the job's one answer.
 */
export const BEGIN_JOB = `${NOW}${DONE}
if redis.call('EXISTS', KEYS[3]) == 0 then return {'fenced'} end
local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
if string.sub(current, 1, #DONE) == DONE then return {'done'} end
local state = cjson.decode(current)
if state.status == 'running' then
  local worker = state.worker or ''
  local alive = worker ~= '' and redis.call('EXISTS', ARGV[4] .. ':worker:' .. worker) == 1
  return {'running', worker, alive and '1' or '0'}
end
local now = now_ms()
if state.deadline and now > state.deadline then return {'expired'} end
if state.session then
  local session = ARGV[4] .. ':session:' .. state.session
  local found = redis.call('HMGET', session, 'owner', 'epoch', 'next')
  if found[2] ~= state.epoch then return {'session-lost', state.owner or ''} end
  if found[1] ~= ARGV[1] then return {'owned-elsewhere', found[1]} end
  if state.seq > tonumber(found[3]) then return {'wait', found[3]} end
  redis.call('HSET', session, 'started', '1')
end
state.status = 'running'
state.worker = ARGV[1]
state.startedAt = now
redis.call('SET', KEYS[1], cjson.encode(state), 'KEEPTTL')
redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {'run'}
`;

/**
 * Stores a job's one result and announces it (on its event stream and the results stream).
 * KEYS: state, events, results, the storing worker's heartbeat (any key for a verdict).
 * ARGV: result JSON, 'worker' or 'verdict', worker id, events ttl (s), results length,
 * prefix, default ttl (s), '1' to tell a running worker to stop, job id, '1' when the
 * result says the session was lost (its record becomes a tombstone), session ttl (ms).
 * A worker's result needs the job running on it and its lease alive: a worker declared dead
 * is fenced. A verdict (a cancel, a deadline, a liveness verdict) needs only that the job has
 * no result yet; a 'known-verdict' also needs its record (a record lost with Redis's data is
 * answered "lost" by its submitter, not recreated). Returns 1 stored, 0 already ended, -1 not
 * running here, -2 fenced, -3 unknown.
 */
export const STORE_RESULT = `${ADVANCE_SESSION}${BURY_SESSION}${DONE}
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #DONE) == DONE then return 0 end
if not current and ARGV[2] == 'known-verdict' then return -3 end
local state = {}
if current then state = cjson.decode(current) end
if ARGV[2] == 'worker' then
  if state.status ~= 'running' or state.worker ~= ARGV[3] then return -1 end
  if redis.call('EXISTS', KEYS[4]) == 0 then return -2 end
end
local ttl = tonumber(state.ttl) or tonumber(ARGV[7])
local meta = {}
for _, field in ipairs({'owner', 'worker', 'session', 'epoch', 'seq', 'deadline', 'ttl'}) do
  meta[field] = state[field]
end
redis.call('SET', KEYS[1], DONE .. ',"result":' .. ARGV[1] .. ',"meta":' ..
  cjson.encode(meta) .. '}', 'EX', ttl)
redis.call('XADD', KEYS[2], '*', 'e', '{"type":"end","result":' .. ARGV[1] .. '}')
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'r', ARGV[1])
advance_session(ARGV[6], state)
if ARGV[10] == '1' and state.session and
  redis.call('HGET', ARGV[6] .. ':session:' .. state.session, 'epoch') == state.epoch then
  bury_session(ARGV[6], state.session, ARGV[11])
end
if ARGV[8] == '1' and state.status == 'running' then
  redis.call('PUBLISH', ARGV[6] .. ':cancel', ARGV[9])
end
return 1
`;

/**
 * Gives a job back for a retry after a platform failure before its code started: running
 * on this worker becomes queued again. Once the job has a result (a deadline or a cancel
 * stored one meanwhile), that result stays. KEYS: state. ARGV: worker id. Returns 1 if given
 * back.
 */
export const RELEASE_JOB = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local state = cjson.decode(current)
if state.status ~= 'running' or state.worker ~= ARGV[1] then return 0 end
state.status = 'queued'
state.worker = nil
state.startedAt = nil
redis.call('SET', KEYS[1], cjson.encode(state), 'KEEPTTL')
return 1
`;

/**
 * A worker's heartbeat: renews its lease (or takes it, when registering), keeps it in the
 * workers set and keeps the sessions it still owns alive. A renewal of a lease that has
 * expired fails: the worker was dead to everyone and must not come back under that id.
 * KEYS: heartbeat, workers set, assigned-load hash. ARGV: worker id, health JSON, lease
 * (ms), 'register' or 'renew', session ttl (ms), prefix, owned session keys...
 * Returns 1, or 0 when fenced.
 */
export const BEAT = `
if ARGV[4] == 'renew' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
for i = 7, #ARGV do
  local session = ARGV[6] .. ':session:' .. ARGV[i]
  if redis.call('HGET', session, 'owner') == ARGV[1] then
    redis.call('PEXPIRE', session, ARGV[5])
    redis.call('PEXPIRE', ARGV[6] .. ':session-ended:' .. ARGV[i], ARGV[5])
  end
end
return 1
`;

/**
 * Moves a session that never started (its owner died before running any of its calls) to
 * a new owner, keeping its place in line. KEYS: session. ARGV: dead owner, new owner.
 * Returns 1 when moved, 0 when the session started (its state is gone with its owner).
 */
export const MOVE_SESSION = `
local found = redis.call('HMGET', KEYS[1], 'owner', 'started')
if found[1] ~= ARGV[1] then return found[1] == ARGV[2] and 1 or 0 end
if found[2] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
return 1
`;

/**
 * Moves a queued job's record to a new owner's queue. KEYS: state. ARGV: new owner.
 * Returns 1 if the job was still queued.
 */
export const REQUEUE_JOB = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local state = cjson.decode(current)
if state.status ~= 'queued' then return 0 end
state.owner = ARGV[1]
redis.call('SET', KEYS[1], cjson.encode(state), 'KEEPTTL')
return 1
`;

/**
 * Ends a session's turn whose call left no record (it expired, or never got one), so the
 * calls after it can run. KEYS: session. ARGV: prefix, session key, turn.
 */
export const END_TURN = `${ADVANCE_SESSION}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return 0 end
advance_session(ARGV[1], {session = ARGV[2], epoch = epoch, seq = tonumber(ARGV[3])})
return 1
`;
