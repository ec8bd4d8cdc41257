/**
 * The extension's background service worker (Chrome) or background script (Firefox): wiring only.
 *
 * Rules:
 * - Every listener is registered synchronously at the top level, so an event that wakes a
 *   stopped worker is delivered.
 * - One native port to the agent (native.js), kept open by listening to its events: they go to
 *   the open popup and options pages, to notifications, and into the settings mirror.
 * - No state that must survive lives in memory: settings are in `storage.local`, the sync
 *   schedule in `alarms`, the menu in `contextMenus`.
 */

import { SETTINGS_KEY, readSettings, writeSettings } from '../lib/preferences.js';
import { MAIL_HOSTS } from '../lib/sites.js';
import { installCommand } from '../lib/status.js';
import { createMenuHandler, registerMenu } from './context_menu.js';
import { acceptPort, fanOut } from './event_ports.js';
import { createHandlers } from './handlers.js';
import { call, onEvent } from './native.js';
import { notesFor, openNotification, showNotes } from './notifications.js';
import { createRouter } from './router.js';
import { SYNC_ALARM, runSync, scheduleSync } from './sync.js';
import { fetchForPage } from './worker_fetch.js';

const api = globalThis.browser ?? globalThis.chrome;
const identity = {
  extensionId: api.runtime.id,
  extensionOrigin: api.runtime.getURL(''),
  contentHosts: MAIL_HOSTS,
};
const version = api.runtime.getManifest().version;

const route = createRouter({ handlers: createHandlers({ call, fetchForPage, version }), identity });

/** A notification for a failed action, with the fixing command when there is one. */
async function reportFailure(title, error) {
  const command = error?.code ? installCommand(error.code, identity.extensionId) : null;
  const message = String(error?.message ?? error) + (command ? ` Run: ${command}` : '');
  try {
    await api.notifications.create(`badgekeeper:failure:${Date.now()}`, {
      type: 'basic',
      iconUrl: api.runtime.getURL('extension/icons/icon-128.png'),
      title,
      message,
    });
  } catch (failure) {
    console.warn('Badgekeeper: could not show a notification', failure);
  }
}

const onMenuClicked = createMenuHandler({ api, call, reportFailure });

async function syncSchedule() {
  const { preferences } = await readSettings(api.storage.local);
  return scheduleSync(api, preferences.sync_interval_minutes);
}

async function onAlarm(alarm) {
  if (alarm.name !== SYNC_ALARM) return null;
  try {
    return await runSync(call);
  } catch (error) {
    // A missing host or a stopped agent: the next alarm tries again; nothing to tell the user.
    console.info('Badgekeeper: background sync skipped:', error?.code ?? error);
    return null;
  }
}

async function refreshSettings() {
  try {
    await writeSettings(api.storage.local, await call('settings.get'));
  } catch {
    // Host not installed yet: the defaults in storage apply until it is.
  }
}

function onAgentEvent(event, params) {
  fanOut(event, params);
  showNotes(api, notesFor(event, params)).catch((error) => {
    console.warn('Badgekeeper: a notification failed', error);
  });
  if (event === 'settings.changed') writeSettings(api.storage.local, params).catch(() => {});
}

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  route(message, sender).then(sendResponse);
  return true; // the answer comes asynchronously
});
api.runtime.onConnect.addListener((port) => acceptPort(port, identity));
api.runtime.onInstalled.addListener(() => {
  registerMenu(api);
  syncSchedule();
  refreshSettings();
});
api.runtime.onStartup.addListener(() => {
  syncSchedule();
  refreshSettings();
});
api.contextMenus.onClicked.addListener((info, tab) => {
  onMenuClicked(info, tab);
});
api.alarms.onAlarm.addListener(onAlarm);
api.notifications.onClicked.addListener((id) => {
  openNotification(api, id);
});
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && SETTINGS_KEY in changes) syncSchedule();
});
onEvent(onAgentEvent);

// What tests and benchmarks drive from outside (Playwright evaluates code in the worker).
self.badgekeeper = {
  call,
  onEvent,
  route,
  onMenuClicked,
  onAlarm,
  syncSchedule,
  refreshSettings,
};
