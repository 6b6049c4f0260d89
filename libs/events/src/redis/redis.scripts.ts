import type { RedisClient } from './redis.connections';

/**
 * Settles one entry atomically: schedules its durable retry, writes its dead letters, then acknowledges it
 * (and deletes it when it came from a retry stream, which only this group reads).
 * KEYS: source stream, retry schedule, dead-letter stream.
 * ARGV: group, id, delete ('1'/'0'), retry delay ms, retry member ('' for none), letter count, then for each
 * letter its field count and fields. Returns the dead letters' ids.
 */
const SETTLE = `
local group, id = ARGV[1], ARGV[2]
if ARGV[5] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
end
local ids = {}
local i = 7
for l = 1, tonumber(ARGV[6]) do
  local n = tonumber(ARGV[i])
  ids[l] = redis.call('XADD', KEYS[3], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
redis.call('XACK', KEYS[1], group, id)
if ARGV[3] == '1' then redis.call('XDEL', KEYS[1], id) end
return ids
`;

/**
 * Moves due retries from the schedule to the retry stream, each in the same call that removes it. A member may
 * end with the event's traceparent and tracestate after the body (see `retryMember`).
 * KEYS: schedule, retry stream. ARGV: most to move. Returns how many moved.
 */
const MOVE_DUE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, m in ipairs(due) do
  local a = string.find(m, '\\n', 1, true)
  local b = string.find(m, '\\n', a + 1, true)
  local c = string.find(m, '\\n', b + 1, true)
  local d = string.find(m, '\\n', c + 1, true)
  local e = string.find(m, '\\n', d + 1, true)
  local fields = {'type', string.sub(m, c + 1, d - 1), 'body', string.sub(m, d + 1, (e or 0) - 1),
    'attempt', string.sub(m, 1, a - 1), 'handlers', string.sub(m, a + 1, b - 1), 'origin', string.sub(m, b + 1, c - 1)}
  if e then
    local f = string.find(m, '\\n', e + 1, true)
    fields[#fields + 1] = 'traceparent'
    fields[#fields + 1] = string.sub(m, e + 1, (f or 0) - 1)
    if f then
      fields[#fields + 1] = 'tracestate'
      fields[#fields + 1] = string.sub(m, f + 1)
    end
  end
  redis.call('XADD', KEYS[2], '*', unpack(fields))
  redis.call('ZREM', KEYS[1], m)
end
return #due
`;

/**
 * Trims a stream by age, never past an entry some group has not acknowledged, when this instance holds (or
 * takes) the trim lock. Then, past `maxLength`, cuts the oldest entries whatever their state: the safety valve.
 * KEYS: stream, trim lock. ARGV: holder, lock ms, age cut (ms), max length ('' for none).
 * Returns nil without the lock, else { trimmed, capped, cut id }.
 */
const TRIM = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return nil end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, ''} end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local cut = ARGV[3] .. '-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local floor
  if tonumber(info['pending']) > 0 then
    floor = redis.call('XPENDING', KEYS[1], info['name'])[2]
  else
    local ms, seq = string.match(info['last-delivered-id'], '^(%d+)-(%d+)$')
    floor = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
  end
  if less(floor, cut) then cut = floor end
end
local trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '=', cut)
local capped = 0
if ARGV[4] ~= '' then capped = redis.call('XTRIM', KEYS[1], 'MAXLEN', '=', tonumber(ARGV[4])) end
return {trimmed, capped, cut}
`;

/** The scripts as commands on a client; ioredis sends EVALSHA and falls back to EVAL after a restart. */
export interface StreamScripts {
  settle(keys: readonly [string, string, string], args: readonly (string | number)[]): Promise<string[]>;
  moveDue(schedule: string, retries: string, limit: number): Promise<number>;
  trim(
    stream: string,
    lock: string,
    args: readonly [holder: string, lockMs: number, ageCutMs: number, maxLength: string],
  ): Promise<[number, number, string] | null>;
}

interface ScriptCommands {
  eventsSettle(...args: (string | number)[]): Promise<string[]>;
  eventsMoveDue(...args: (string | number)[]): Promise<number>;
  eventsTrim(...args: (string | number)[]): Promise<[number, number, string] | null>;
}

/** Defines the scripts on `client` (once per client) and returns them. */
export function defineScripts(client: RedisClient): StreamScripts {
  const commands = client as unknown as ScriptCommands & Record<string, unknown>;
  if (typeof commands.eventsSettle !== 'function') {
    client.defineCommand('eventsSettle', { numberOfKeys: 3, lua: SETTLE });
    client.defineCommand('eventsMoveDue', { numberOfKeys: 2, lua: MOVE_DUE });
    client.defineCommand('eventsTrim', { numberOfKeys: 2, lua: TRIM });
  }
  return {
    settle: (keys, args) => commands.eventsSettle(...keys, ...args),
    moveDue: (schedule, retries, limit) => commands.eventsMoveDue(schedule, retries, limit),
    trim: (stream, lock, args) => commands.eventsTrim(stream, lock, ...args),
  };
}
