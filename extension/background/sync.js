/**
 * Background sync: an alarm asks the agent to do its periodic work (re-verify, retry uploads).
 *
 * Rules:
 * - The alarm is re-created on browser start-up and on install or update (alarms may not
 *   survive either), and whenever the interval preference changes; its period is the
 *   `sync_interval_minutes` preference as mirrored in storage (default 30).
 * - The agent does the work: `sync.run` when `agent.hello` lists it, else `upload.drain` when
 *   listed, else nothing. A missing host is not an error here: sync simply waits.
 */

export const SYNC_ALARM = 'badgekeeper-sync';

/**
 * Create the alarm with this period unless it already has it.
 * @param {any} api chrome or browser
 * @param {number} minutes
 */
export async function scheduleSync(api, minutes) {
  const existing = await api.alarms.get(SYNC_ALARM);
  if (existing && existing.periodInMinutes === minutes) return false;
  await api.alarms.clear(SYNC_ALARM);
  await api.alarms.create(SYNC_ALARM, { delayInMinutes: minutes, periodInMinutes: minutes });
  return true;
}

/**
 * The agent method that does a sync, from `agent.hello`'s methods.
 * @param {string[]} methods
 */
export function syncMethod(methods) {
  if (methods.includes('sync.run')) return 'sync.run';
  if (methods.includes('upload.drain')) return 'upload.drain';
  return null;
}

/**
 * @param {(method: string, params?: object) => Promise<any>} call the agent
 * @returns {Promise<{method: string | null, result: unknown}>}
 */
export async function runSync(call) {
  const hello = await call('agent.hello', { client: 'badgekeeper-extension sync' });
  const method = syncMethod(Array.isArray(hello?.methods) ? hello.methods : []);
  if (method === null) return { method: null, result: null };
  return { method, result: await call(method, {}) };
}
