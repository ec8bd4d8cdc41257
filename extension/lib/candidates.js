/**
 * Which images in a message could be badges, before any byte is read.
 *
 * Rules:
 * - An image is a candidate when its address can be read (http(s), data:, blob:; not cid: or
 *   about:), its format could carry a badge (PNG, SVG or unknown; never JPEG, GIF, WebP, …),
 *   and it is not tiny (a side under MIN_SIDE pixels: tracking pixels, spacers, icons).
 * - A Badgr-style assertion image is a badge by its address alone (`kind: 'assertion'`): the
 *   agent saves it from the URL. Everything else is decided by its bytes (`kind: 'bytes'`),
 *   read from the original behind a mail proxy first.
 * - Attachments count when their type or name says PNG or SVG.
 * - At most MAX_PER_MESSAGE candidates per message: a newsletter with 500 images costs the same
 *   as one with 40.
 * - Pure over attribute values; `imageFacts` is the one function that reads an element.
 */

import { badgrAssertionUrl, formatHint, imageSources, isFetchable, parseUrl } from './urls.js';

export const MIN_SIDE = 32;
export const MAX_PER_MESSAGE = 40;

/**
 * @typedef {{kind: 'assertion', imageUrl: string, saveUrl: string}
 *   | {kind: 'bytes', imageUrl: string, fetchUrls: string[]}} Candidate
 * `imageUrl` is the address kept as the badge's source (the original, not the proxy).
 */

/**
 * @typedef {object} ImageFacts
 * @property {string} src absolute address
 * @property {number | null} width pixels, when known
 * @property {number | null} height pixels, when known
 */

/** @param {string | null | undefined} value */
function pixels(value) {
  const number = Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(number) && number > 0 ? number : null;
}

/**
 * What the image element says about itself: its address (resolved against the page) and its
 * size (the loaded image's, else the width/height attributes).
 * @param {Element} img
 * @param {string} baseUrl
 * @returns {ImageFacts}
 */
export function imageFacts(img, baseUrl) {
  const raw = img.getAttribute('src') ?? '';
  const src = parseUrl(raw, baseUrl)?.href ?? '';
  const element = /** @type {HTMLImageElement} */ (img);
  const loaded = element.complete && element.naturalWidth > 0;
  return {
    src,
    width: loaded ? element.naturalWidth : pixels(img.getAttribute('width')),
    height: loaded ? element.naturalHeight : pixels(img.getAttribute('height')),
  };
}

/**
 * @param {ImageFacts} facts
 * @returns {Candidate | null}
 */
export function imageCandidate(facts) {
  if (!facts.src || !isFetchable(facts.src)) return null;
  if (
    (facts.width !== null && facts.width < MIN_SIDE) ||
    (facts.height !== null && facts.height < MIN_SIDE)
  ) {
    return null;
  }
  const { original, fetchUrls } = imageSources(facts.src);
  const assertion = badgrAssertionUrl(original);
  if (assertion !== null) return { kind: 'assertion', imageUrl: original, saveUrl: original };
  if (formatHint(original) === 'no') return null;
  return { kind: 'bytes', imageUrl: original, fetchUrls };
}

/**
 * @param {{mediaType?: string | null, name?: string | null, url: string}} attachment
 * @returns {Candidate | null}
 */
export function attachmentCandidate({ mediaType, name, url }) {
  if (!url || !isFetchable(url)) return null;
  const type = (mediaType ?? '').toLowerCase();
  const byType = type === 'image/png' || type === 'image/svg+xml';
  const byName = /\.(?:png|svg)$/i.test(name ?? '');
  if (!byType && !byName) return null;
  return { kind: 'bytes', imageUrl: url, fetchUrls: [url] };
}

/**
 * Keep the first MAX_PER_MESSAGE candidates, one per image address.
 * @template {{candidate: Candidate}} T
 * @param {T[]} found
 * @returns {T[]}
 */
export function limitCandidates(found) {
  const seen = new Set();
  const kept = [];
  for (const item of found) {
    if (seen.has(item.candidate.imageUrl)) continue;
    seen.add(item.candidate.imageUrl);
    kept.push(item);
    if (kept.length >= MAX_PER_MESSAGE) break;
  }
  return kept;
}
