/**
 * The toolbar popup: finds out whether the agent answers, then shows the list, one badge's
 * details, or what to do when the helper program is missing; follows agent events live.
 *
 * `popup.html#badge=ID` opens that badge directly (notifications link there).
 */

import { hostStatus, listenToAgent } from '../lib/agent_client.js';
import { checkAll, syncProgressText } from './check_all.js';
import { createDetailsView } from './details_view.js';
import { showHostProblem } from './host_view.js';
import { createListView } from './list_view.js';
import { hideProgress, showNotice, showProgress } from './progress.js';

const VIEWS = ['view-loading', 'view-host', 'view-list', 'view-details'];
const LIST_EVENTS = new Set([
  'badge.saved',
  'badge.verified',
  'badge.deleted',
  'upload.queued',
  'upload.done',
  'upload.failed',
  'collections.changed',
]);

/** @param {string} name */
function showView(name) {
  for (const id of VIEWS) document.getElementById(id).hidden = id !== name;
}

function badgeFromHash() {
  const match = /^#badge=([0-9a-f]{4,80})$/.exec(location.hash);
  return match ? match[1] : null;
}

async function boot() {
  showView('view-loading');
  let status;
  try {
    status = await hostStatus();
  } catch (error) {
    showHostProblem(error, boot);
    showView('view-host');
    return;
  }
  const methods = new Set(status.methods);
  document.getElementById('open-options').hidden = false;

  const list = createListView({ onOpen: openBadge });
  const details = createDetailsView({
    methods,
    onBack: backToList,
    onDeleted: (id) => {
      showNotice('The badge was deleted.', { info: true });
      backToList(id);
    },
  });

  /** @param {string} id */
  function openBadge(id) {
    history.replaceState(null, '', `#badge=${id}`);
    showView('view-details');
    details.open(id);
  }

  /** @param {string} [focusId] */
  function backToList(focusId) {
    const id = typeof focusId === 'string' ? focusId : details.currentId();
    details.close();
    history.replaceState(null, '', location.pathname);
    showView('view-list');
    list.load().then(() => id && list.focusRow(id));
  }

  function onAgentEvent(event, params) {
    if (event === 'sync.progress') {
      showProgress(syncProgressText(params), params.done, params.total);
      return;
    }
    if (event === 'sync.done') {
      hideProgress();
      list.reloadSoon();
      return;
    }
    if (event === 'collections.changed') list.loadCollections();
    if (!LIST_EVENTS.has(event)) return;
    list.reloadSoon();
    const shown = details.currentId();
    const about = params?.badge?.id ?? params?.badge_id ?? params?.id;
    if (shown && about === shown) {
      if (event === 'badge.deleted') backToList();
      else details.open(shown);
    }
  }

  listenToAgent(onAgentEvent, () => list.reloadSoon());
  const checkButton = document.getElementById('check-all');
  checkButton.hidden = !methods.has('badge.verify') && !methods.has('sync.run');
  checkButton.addEventListener('click', async () => {
    checkButton.disabled = true;
    try {
      await checkAll(methods);
    } catch (error) {
      showNotice(error.message, { command: error.command });
    } finally {
      checkButton.disabled = false;
    }
  });

  await list.loadCollections();
  const wanted = badgeFromHash();
  if (wanted) openBadge(wanted);
  else {
    showView('view-list');
    await list.load();
  }
  document.body.dataset.ready = 'true';
}

boot();
