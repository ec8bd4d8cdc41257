/**
 * Read an image for a content script that could not read it itself (the image's server does not
 * allow cross-site reads). The worker reaches the hosts the extension has permission for: the
 * mail sites' image proxies and attachment hosts, and any site the user allowed in Options.
 *
 * Rules: https only (the handler checks), no cookies (the page's own fetch is the one with
 * cookies), stop reading at SNIFF_LIMIT bytes, answer base64.
 */

import { bytesToBase64 } from '../lib/base64.js';
import { ExtensionError } from '../lib/messages.js';
import { SNIFF_LIMIT } from '../lib/sniff.js';

/**
 * @param {string} url
 * @param {number} [limit]
 * @returns {Promise<{data: string, media_type: string}>}
 */
export async function fetchForPage(url, limit = SNIFF_LIMIT) {
  let response;
  try {
    response = await fetch(url, { credentials: 'omit', redirect: 'follow' });
  } catch {
    throw new ExtensionError('FETCH_FAILED', 'The image could not be read from its server.');
  }
  if (!response.ok) {
    throw new ExtensionError(
      'FETCH_FAILED',
      `The image's server answered HTTP ${response.status}.`,
    );
  }
  const reader = response.body.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new ExtensionError('TOO_LARGE', 'The image is larger than a badge can be (10 MB).');
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let pos = 0;
  for (const part of parts) {
    bytes.set(part, pos);
    pos += part.length;
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  return { data: bytesToBase64(bytes), media_type: mediaType };
}
