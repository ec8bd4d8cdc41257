/**
 * The agent's settings as the extension keeps a copy of them in `storage.local`.
 *
 * The agent owns the settings (`settings.get`, `settings.set`, the `settings.changed` event);
 * the service worker mirrors them here so content scripts and alarms can read them without
 * waking the agent, and so they survive the worker being stopped. Until the agent has answered
 * once, the defaults below apply.
 */

export const SETTINGS_KEY = 'agentSettings';

export const DEFAULT_PREFERENCES = Object.freeze({
  auto_upload: false,
  sync_interval_minutes: 30,
  inline_button_sites: Object.freeze(['gmail', 'outlook']),
});

const MIN_INTERVAL = 5;
const MAX_INTERVAL = 1440;

/**
 * Known keys with valid values from `stored`, defaults for the rest.
 * @param {any} stored
 */
export function mergePreferences(stored) {
  const source = stored && typeof stored === 'object' ? stored : {};
  const interval = Number(source.sync_interval_minutes);
  const sites = Array.isArray(source.inline_button_sites)
    ? source.inline_button_sites.filter((site) => typeof site === 'string')
    : [...DEFAULT_PREFERENCES.inline_button_sites];
  return {
    auto_upload:
      typeof source.auto_upload === 'boolean'
        ? source.auto_upload
        : DEFAULT_PREFERENCES.auto_upload,
    sync_interval_minutes:
      Number.isInteger(interval) && interval >= MIN_INTERVAL && interval <= MAX_INTERVAL
        ? interval
        : DEFAULT_PREFERENCES.sync_interval_minutes,
    inline_button_sites: sites,
  };
}

/**
 * @param {any} storageArea `storage.local`
 * @returns {Promise<{emails: string[], preferences: ReturnType<typeof mergePreferences>}>}
 */
export async function readSettings(storageArea) {
  const stored = (await storageArea.get(SETTINGS_KEY))?.[SETTINGS_KEY] ?? {};
  return {
    emails: Array.isArray(stored.emails) ? stored.emails : [],
    preferences: mergePreferences(stored.preferences),
  };
}

/**
 * @param {any} storageArea `storage.local`
 * @param {{emails?: string[], preferences?: object}} settings as the agent sends them
 */
export async function writeSettings(storageArea, settings) {
  const value = {
    emails: Array.isArray(settings?.emails) ? settings.emails : [],
    preferences: mergePreferences(settings?.preferences),
  };
  await storageArea.set({ [SETTINGS_KEY]: value });
  return value;
}
