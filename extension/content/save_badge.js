/**
 * Save a detected badge: the bytes as the page reads them (or the address, for an assertion
 * image), with where it was found, through the service worker to the agent.
 */

import { bytesToBase64 } from '../lib/base64.js';
import { ExtensionError, request } from '../lib/messages.js';
import { readImage } from './detect.js';
import { sourcePageUrl } from '../lib/urls.js';

/**
 * @param {import('./detect.js').Detection} detection a positive one
 * @param {string} imageUrl the address kept as the source (the original, not the proxy)
 * @param {Record<string, string>} mail subject, sender and date, as the adapter read them
 * @returns {Promise<import('./badge_button.js').SaveSummary>}
 */
export async function saveBadge(detection, imageUrl, mail) {
  const source = { ...mail, page_url: sourcePageUrl(location.href), image_url: imageUrl };
  if ('saveUrl' in detection) return request('page.save', { url: detection.saveUrl, source });
  if (!('readUrl' in detection))
    throw new ExtensionError('NO_BADGE_DATA', 'This image is not a badge.');
  const bytes = detection.bytes ?? (await readImage(detection.readUrl));
  if (bytes === null) {
    throw new ExtensionError(
      'FETCH_FAILED',
      'The badge image could not be read again. Reload the page, then press Save badge again.',
    );
  }
  return request('page.save', { data: bytesToBase64(bytes), source });
}
