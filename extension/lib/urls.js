/**
 * Reading image addresses as mail clients write them.
 *
 * Rules:
 * - Gmail shows remote images through `https://ciN.googleusercontent.com/proxy/…#<original>` (and
 *   `/meips/…#<original>`). The original after `#` is preferred: nobody has shown that the proxy
 *   keeps the PNG text chunks that carry a badge. The proxy stays as a fallback.
 * - A Badgr / Canvas Credentials assertion image (`…/public/assertions/<id>/image`) is a badge
 *   even when its bytes are not baked: the agent saves it from the URL.
 * - Only http(s), data: and blob: addresses are ever fetched; anything unparsable is null.
 */

const GMAIL_PROXY_HOST = /^ci\d+\.googleusercontent\.com$/;
const GMAIL_PROXY_PATH = /^\/(?:proxy|meips)\//;
const BADGR_IMAGE = /^(.*\/public\/assertions\/[^/?#]+)\/image\/?$/;
const FETCHABLE = new Set(['http:', 'https:', 'data:', 'blob:']);
const NO_BADGE_EXTENSIONS = /\.(?:jpe?g|gif|webp|bmp|ico|tiff?|avif|heic)$/i;
const BADGE_EXTENSIONS = /\.(?:png|svg)$/i;

/**
 * @param {string} text
 * @param {string} [base]
 * @returns {URL | null}
 */
export function parseUrl(text, base) {
  try {
    return new URL(text, base);
  } catch {
    return null;
  }
}

/** @param {string} text */
export function isHttpUrl(text) {
  const url = parseUrl(text);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
}

/** @param {string} text */
export function isFetchable(text) {
  const url = parseUrl(text);
  return url !== null && FETCHABLE.has(url.protocol);
}

/**
 * The original address behind a Gmail image-proxy URL, or null when `src` is not one (or its
 * fragment is not an http(s) address).
 * @param {string} src
 */
export function gmailProxyOriginal(src) {
  const url = parseUrl(src);
  if (url === null || url.protocol !== 'https:') return null;
  if (!GMAIL_PROXY_HOST.test(url.hostname) || !GMAIL_PROXY_PATH.test(url.pathname)) return null;
  const hash = src.indexOf('#');
  if (hash < 0) return null;
  let original = src.slice(hash + 1);
  if (/^https?%3A/i.test(original)) original = safeDecode(original);
  return isHttpUrl(original) ? original : null;
}

/** @param {string} text */
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Where an image's bytes can be read, best first: the original behind a proxy, then the
 * address as shown.
 * @param {string} src the image's address, absolute
 * @returns {{original: string, fetchUrls: string[]}}
 */
export function imageSources(src) {
  const original = gmailProxyOriginal(src);
  if (original !== null) return { original, fetchUrls: [original, src] };
  return { original: src, fetchUrls: [src] };
}

/**
 * The hosted assertion of a Badgr-style image URL (`…/public/assertions/<id>/image`), or null.
 * @param {string} text
 */
export function badgrAssertionUrl(text) {
  const url = parseUrl(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  const match = BADGR_IMAGE.exec(url.origin + url.pathname);
  return match ? match[1] : null;
}

/**
 * What an address says about the file's format: 'no' for formats that cannot carry a badge
 * (JPEG, GIF, …), 'yes' for .png and .svg, 'unknown' otherwise (most image servers).
 * @param {string} text
 * @returns {'yes' | 'no' | 'unknown'}
 */
export function formatHint(text) {
  const url = parseUrl(text);
  if (url === null) return 'unknown';
  if (url.protocol === 'data:') {
    const type = url.pathname.slice(0, url.pathname.search(/[;,]/)).toLowerCase();
    return type === 'image/png' || type === 'image/svg+xml' ? 'yes' : 'no';
  }
  if (NO_BADGE_EXTENSIONS.test(url.pathname)) return 'no';
  if (BADGE_EXTENSIONS.test(url.pathname)) return 'yes';
  return 'unknown';
}

/**
 * Gmail's attachment `download_url` attribute: `mime:name:url`.
 * @param {string | null} value
 * @returns {{mediaType: string, name: string, url: string} | null}
 */
export function parseGmailDownloadUrl(value) {
  const match = /^([^:]+):(.*?):(https?:\/\/.+)$/s.exec(value ?? '');
  if (!match || !isHttpUrl(match[3])) return null;
  return { mediaType: match[1].toLowerCase(), name: match[2], url: match[3] };
}

/**
 * A page address fit to keep as a badge's source: at most 2000 characters (the fragment stays:
 * in Gmail and Outlook it names the message).
 * @param {string} href
 */
export function sourcePageUrl(href) {
  return href.length > 2000 ? href.slice(0, 2000) : href;
}
