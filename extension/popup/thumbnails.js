/**
 * Badge thumbnails for the popup: asked of the agent (`badge.thumbnail`, always small; never the
 * badge file itself, which may be larger than a browser message), only when scrolled into
 * view, and kept for the popup's life (at most CACHE_SIZE).
 */

import { callAgent } from '../lib/agent_client.js';

const CACHE_SIZE = 400;
/** @type {Map<string, Promise<string | null>>} */
const cache = new Map();

/**
 * A data: URL for the badge's thumbnail, or null when it has none.
 * @param {{id: string, sha256?: string | null}} badge
 * @param {number} size pixels
 */
export function thumbnailUrl(badge, size) {
  const key = `${badge.id}:${badge.sha256 ?? ''}:${size}`;
  let url = cache.get(key);
  if (url === undefined) {
    url = callAgent('badge.thumbnail', { id: badge.id, size }).then(
      (thumbnail) => (thumbnail ? `data:${thumbnail.media_type};base64,${thumbnail.data}` : null),
      () => null,
    );
    cache.set(key, url);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
  }
  return url;
}

const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    observer.unobserve(entry.target);
    show(/** @type {HTMLImageElement} */ (entry.target));
  }
});

/** @param {HTMLImageElement} img */
async function show(img) {
  const url = await thumbnailUrl(
    { id: img.dataset.badgeId ?? '', sha256: img.dataset.sha256 },
    Number(img.dataset.size),
  );
  if (url) img.src = url;
  else img.replaceWith(placeholder(img));
}

/** @param {HTMLImageElement} img */
function placeholder(img) {
  const box = document.createElement('span');
  box.className = `${img.className} placeholder`;
  box.setAttribute('aria-hidden', 'true');
  box.textContent = '🏅';
  return box;
}

/**
 * An <img> that fills itself in once visible.
 * @param {{id: string, sha256?: string | null}} badge
 * @param {number} size CSS pixels (twice as many are asked for, for sharp screens)
 */
export function thumbnailImage(badge, size) {
  const img = document.createElement('img');
  img.className = 'thumb';
  img.alt = '';
  img.width = size;
  img.height = size;
  img.dataset.badgeId = badge.id;
  img.dataset.sha256 = badge.sha256 ?? '';
  img.dataset.size = String(Math.min(size * 2, 512));
  observer.observe(img);
  return img;
}
