/**
 * Decide whether a candidate image is a badge, by its bytes, inside the page.
 *
 * Rules:
 * - A Badgr-style assertion image is one by its address (no read).
 * - Otherwise each address is read in turn (the original before the mail proxy): in the page,
 *   with its cookies, then, when the image's server refuses cross-site reads, by the worker.
 *   The first address that can be read decides; a copy elsewhere would not say otherwise.
 * - Results are cached per address for the page's life (at most CACHE_SIZE), so the same logo in
 *   fifty messages is read once. Bytes of a detected badge are kept for its save when small.
 * - Reads are capped at SNIFF_LIMIT bytes and at MAX_PARALLEL at once.
 */

import { base64ToBytes } from '../lib/base64.js';
import { request } from '../lib/messages.js';
import { fetchImageInPage } from '../lib/page_fetch.js';
import { SNIFF_LIMIT, sniffBadge } from '../lib/sniff.js';
import { parseUrl } from '../lib/urls.js';

const CACHE_SIZE = 300;
const KEEP_BYTES = 1024 * 1024;
const MAX_PARALLEL = 2;

/**
 * @typedef {{badge: true, saveUrl: string} | {badge: true, readUrl: string, bytes: Uint8Array | null}
 *   | {badge: false, reason: string}} Detection
 */

/** @type {Map<string, Promise<Detection>>} */
const cache = new Map();
let running = 0;
/** @type {(() => void)[]} */
const waiting = [];

async function slot() {
  if (running < MAX_PARALLEL) {
    running++;
    return;
  }
  await new Promise((resolve) => waiting.push(resolve));
  running++;
}

function release() {
  running--;
  waiting.shift()?.();
}

/**
 * The image's bytes, or null when neither the page nor the worker can read them.
 * @param {string} url
 * @returns {Promise<Uint8Array | null>}
 */
export async function readImage(url) {
  const inPage = await fetchImageInPage(url, SNIFF_LIMIT, false);
  if (inPage.ok) return /** @type {Uint8Array} */ (inPage.data);
  if (inPage.code === 'TOO_LARGE' || parseUrl(url)?.protocol !== 'https:') return null;
  try {
    const viaWorker = await request('page.fetch', { url });
    return base64ToBytes(viaWorker.data);
  } catch {
    return null;
  }
}

/**
 * @param {import('../lib/candidates.js').Candidate} candidate
 * @returns {Promise<Detection>}
 */
async function detectUncached(candidate) {
  if (candidate.kind === 'assertion') return { badge: true, saveUrl: candidate.saveUrl };
  for (const url of candidate.fetchUrls) {
    await slot();
    let bytes;
    try {
      bytes = await readImage(url);
    } finally {
      release();
    }
    if (bytes === null) continue;
    const sniffed = sniffBadge(bytes);
    if (!sniffed.badge) return { badge: false, reason: sniffed.reason };
    return { badge: true, readUrl: url, bytes: bytes.length <= KEEP_BYTES ? bytes : null };
  }
  return { badge: false, reason: 'the image could not be read' };
}

/**
 * @param {import('../lib/candidates.js').Candidate} candidate
 * @returns {Promise<Detection>}
 */
export function detectBadge(candidate) {
  const key = candidate.kind === 'assertion' ? candidate.saveUrl : candidate.fetchUrls.join(' ');
  let detection = cache.get(key);
  if (detection === undefined) {
    detection = detectUncached(candidate).catch(() => ({ badge: false, reason: 'read failed' }));
    cache.set(key, detection);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
  }
  return detection;
}
