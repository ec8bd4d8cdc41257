/**
 * "Check every badge again", with progress. The agent does the work: one `sync.run` with
 * `force` when it has it (progress arrives as `sync.progress` events, see `syncProgressText`),
 * else one `badge.verify` per badge, in order, while the popup stays open ("Verifying 3 of 12"),
 * stoppable.
 */

import { callAgent } from '../lib/agent_client.js';
import { hideProgress, showNotice, showProgress } from './progress.js';

const LIST_PAGE = 200;
const PHASES = { verify: 'Verifying', uploads: 'Uploading', pull: 'Fetching from backpacks' };

/**
 * The words for a `sync.progress` event `{done, total, phase}`: "Verifying 3 of 12".
 * @param {{done: number, total: number, phase?: string}} progress
 */
export function syncProgressText({ done, total, phase }) {
  const label = PHASES[phase ?? 'verify'] ?? 'Checking';
  return `${label} ${Math.min(done + 1, total)} of ${total}`;
}

/** @param {Set<string>} methods */
export async function checkAll(methods) {
  if (methods.has('sync.run')) {
    showProgress('Checking your badges…', 0, 1);
    let summary;
    try {
      summary = await callAgent('sync.run', { force: true });
    } finally {
      hideProgress();
    }
    const failed = Object.values(summary?.errors ?? {});
    if (failed.length) showNotice(failed.map((error) => error.message).join(' '));
    else if (summary?.unreachable) {
      showNotice(
        `${summary.unreachable} badge(s) kept their verdict: their issuer could not be reached.`,
        { info: true },
      );
    }
    return;
  }
  const ids = [];
  for (let cursor = null, first = true; first || cursor; first = false) {
    const page = await callAgent(
      'badge.list',
      cursor ? { limit: LIST_PAGE, cursor } : { limit: LIST_PAGE },
    );
    ids.push(...page.items.map((badge) => badge.id));
    cursor = page.next_cursor;
  }
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  let failures = 0;
  for (let index = 0; index < ids.length && !stopped; index++) {
    showProgress(`Verifying ${index + 1} of ${ids.length}`, index, ids.length, stop);
    try {
      await callAgent('badge.verify', { id: ids[index] });
    } catch (error) {
      if (error.code === 'BADGE_NOT_FOUND') continue; // deleted meanwhile
      failures++;
    }
  }
  hideProgress();
  if (failures) showNotice(`${failures} badge(s) could not be checked. Try again later.`);
}
