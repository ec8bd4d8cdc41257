/**
 * Start and stop a mail site's adapter as the user's settings say, and show on the page what a
 * right-click save decided.
 *
 * Rules:
 * - The adapter runs while its site is in the `inline_button_sites` preference (mirrored in
 *   storage by the worker); switching it off in Options aborts it at once, which removes its
 *   buttons.
 * - An adapter that fails to load or to start is logged and left alone: the other site's adapter
 *   is a different module and a different page.
 */

import { MESSAGE_VERSION } from '../lib/messages.js';
import { SETTINGS_KEY, readSettings } from '../lib/preferences.js';
import { badgeButtonFor } from './badge_button.js';

/**
 * @param {import('../lib/sites.js').SiteEntry} site
 */
export async function runSite(site) {
  const api = globalThis.browser ?? globalThis.chrome;
  const adapter = await site.load();
  /** @type {AbortController | null} */
  let running = null;

  async function apply() {
    const { preferences } = await readSettings(api.storage.local);
    const wanted = preferences.inline_button_sites.includes(site.name);
    if (wanted && running === null) {
      running = new AbortController();
      try {
        adapter.start(running.signal);
      } catch (error) {
        console.warn(`Badgekeeper: the ${site.label} adapter could not start`, error);
      }
    } else if (!wanted && running !== null) {
      running.abort();
      running = null;
    }
  }

  api.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && SETTINGS_KEY in changes) apply();
  });
  api.runtime.onMessage.addListener((message, sender) => {
    if (sender.id !== api.runtime.id || message?.v !== MESSAGE_VERSION) return;
    if (message.type === 'page.saved') showMenuOutcome(message.params);
  });
  await apply();
}

/**
 * A badge saved from the context menu: show its verdict on the marked image, if there is one.
 * @param {any} params `{image_url, status, errors, badge, created}`
 */
function showMenuOutcome(params) {
  for (const img of document.querySelectorAll('img[data-badgekeeper="badge"]')) {
    if (
      img.getAttribute('src') === params?.image_url ||
      /** @type {HTMLImageElement} */ (img).src === params?.image_url
    ) {
      badgeButtonFor(img)?.showSaved(params);
    }
  }
}
