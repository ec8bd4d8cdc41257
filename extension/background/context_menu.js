/**
 * Right-click → "Save badge" on any image on any page.
 *
 * Rules:
 * - The bytes are read inside the tab (`scripting.executeScript`, allowed by `activeTab` when
 *   the user picks the menu item, or by the mail sites' host permission), so the page's cookies
 *   apply: session-bound attachments and issuers' logged-in pages work.
 * - A Gmail proxy address is read through its original first; a Badgr-style assertion image is
 *   saved from its address (the agent fetches it and finds the assertion).
 * - When no read bytes look like a badge, the agent is given the address itself: it can follow
 *   what the tab cannot (an issuer page naming its assertion) or say why it is no badge.
 * - The outcome is told to the tab (so an inline button there shows it) and, on failure, in a
 *   notification that says what to do.
 */

import { base64ToBytes } from '../lib/base64.js';
import { MESSAGE_VERSION } from '../lib/messages.js';
import { fetchImageInPage } from '../lib/page_fetch.js';
import { SNIFF_LIMIT, sniffBadge } from '../lib/sniff.js';
import { badgrAssertionUrl, imageSources, isHttpUrl } from '../lib/urls.js';
import { cleanSource, saveSummary } from './handlers.js';

export const MENU_ID = 'badgekeeper-save-badge';

/** @param {any} api */
export function registerMenu(api) {
  api.contextMenus.removeAll(() => {
    api.contextMenus.create({ id: MENU_ID, title: 'Save badge', contexts: ['image'] });
  });
}

/**
 * Read an image inside the tab; null when the tab could not.
 * @param {any} api
 * @param {number} tabId
 * @param {number | undefined} frameId
 * @param {string} url
 */
async function readInTab(api, tabId, frameId, url) {
  try {
    const [injection] = await api.scripting.executeScript({
      target: { tabId, frameIds: [frameId ?? 0] },
      func: fetchImageInPage,
      args: [url, SNIFF_LIMIT],
    });
    const result = injection?.result;
    return result?.ok ? String(result.data) : null;
  } catch {
    return null; // no access to this tab (a browser page, a store page, a closed tab)
  }
}

/**
 * What to send as `badge.save` for the image the user picked.
 * @param {any} api
 * @param {{srcUrl: string, frameId?: number}} info
 * @param {number} tabId
 */
export async function badgeSaveInput(api, info, tabId) {
  const { original, fetchUrls } = imageSources(info.srcUrl);
  if (badgrAssertionUrl(original) !== null) return { url: original, original };
  let firstRead = null;
  for (const url of fetchUrls) {
    const data = await readInTab(api, tabId, info.frameId, url);
    if (data === null) continue;
    if (sniffBadge(base64ToBytes(data)).badge) return { data, original };
    firstRead ??= data;
  }
  if (isHttpUrl(original)) return { url: original, original };
  if (firstRead !== null) return { data: firstRead, original }; // the agent says why it is none
  return null;
}

/**
 * @param {object} deps
 * @param {any} deps.api chrome or browser
 * @param {(method: string, params?: object) => Promise<any>} deps.call the agent
 * @param {(title: string, error: any) => Promise<void>} deps.reportFailure
 * @returns {(info: any, tab: any) => Promise<object>} the menu's click handler; resolves with
 *   `{ok: true, ...save summary}` or `{ok: false, code, message}`
 */
export function createMenuHandler({ api, call, reportFailure }) {
  return async function onMenuClicked(info, tab) {
    if (info.menuItemId !== MENU_ID || !info.srcUrl || tab?.id === undefined) {
      return { ok: false, code: 'BAD_MESSAGE', message: 'Not a Save badge click on an image.' };
    }
    try {
      const input = await badgeSaveInput(api, info, tab.id);
      if (input === null) {
        const error = {
          code: 'FETCH_FAILED',
          message:
            'This image could not be read. Save it to a file, then run `badgekeeper save FILE`.',
        };
        await reportFailure('The badge could not be saved', error);
        return { ok: false, ...error };
      }
      const source = cleanSource({ page_url: info.pageUrl ?? tab.url, image_url: input.original });
      const params =
        input.data !== undefined ? { data: input.data, source } : { url: input.url, source };
      const summary = saveSummary(await call('badge.save', params));
      tellTab(api, tab.id, info.srcUrl, summary);
      return { ok: true, ...summary };
    } catch (error) {
      await reportFailure('The badge could not be saved', error);
      return {
        ok: false,
        code: error?.code ?? 'INTERNAL_ERROR',
        message: String(error?.message ?? error),
      };
    }
  };
}

/**
 * Let the tab's content script (if any) show the verdict on the image.
 * @param {any} api
 * @param {number} tabId
 * @param {string} imageUrl
 * @param {object} summary
 */
function tellTab(api, tabId, imageUrl, summary) {
  const message = {
    v: MESSAGE_VERSION,
    type: 'page.saved',
    params: { image_url: imageUrl, ...summary },
  };
  Promise.resolve(api.tabs.sendMessage(tabId, message)).catch(() => {
    // No content script listens in this tab (not a mail site): nothing to update.
  });
}
