/**
 * Read an image's bytes from inside the page, with the page's cookies.
 *
 * Rules:
 * - `fetchImageInPage` is self-contained (no imports, no outer names): the service worker hands
 *   it to `scripting.executeScript`, which runs its source text in the tab; content scripts
 *   import it directly.
 * - Cookies: a same-origin address is fetched with them (attachments are session-bound); any
 *   other first without them (a CDN answering `Access-Control-Allow-Origin: *` refuses
 *   credentials) and then with them.
 * - Reading stops at `limit` bytes: a larger file is TOO_LARGE, never read whole.
 * - The answer is plain data (executeScript results must be): base64 by default, or the
 *   Uint8Array itself when `asBase64` is false (content scripts).
 */

/**
 * @param {string} url
 * @param {number} limit
 * @param {boolean} [asBase64]
 * @returns {Promise<{ok: true, data: string | Uint8Array, media_type: string, size: number}
 *   | {ok: false, code: string, message: string}>}
 */
export async function fetchImageInPage(url, limit, asBase64 = true) {
  async function attempt(credentials) {
    const response = await fetch(url, { credentials, cache: 'force-cache', redirect: 'follow' });
    if (!response.ok) return { ok: false, code: 'HTTP_ERROR', message: `HTTP ${response.status}` };
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > limit) return { ok: false, code: 'TOO_LARGE', message: `${declared} bytes` };
    const reader = response.body.getReader();
    const parts = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        reader.cancel().catch(() => {});
        return { ok: false, code: 'TOO_LARGE', message: `over ${limit} bytes` };
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
    return { ok: true, bytes, media_type: mediaType, size };
  }

  function base64(bytes) {
    let binary = '';
    for (let pos = 0; pos < bytes.length; pos += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(pos, pos + 0x8000));
    }
    return btoa(binary);
  }

  let target;
  try {
    target = new URL(url, location.href);
  } catch {
    return { ok: false, code: 'BAD_URL', message: 'not an address' };
  }
  if (!['http:', 'https:', 'data:', 'blob:'].includes(target.protocol)) {
    return { ok: false, code: 'BAD_URL', message: `${target.protocol} addresses are not read` };
  }
  const web = target.protocol === 'https:' || target.protocol === 'http:';
  const orders = !web || target.origin === location.origin ? ['include'] : ['omit', 'include'];
  let failure = { ok: false, code: 'FETCH_FAILED', message: 'not fetched' };
  for (const credentials of orders) {
    try {
      const result = await attempt(credentials);
      if (!result.ok) return result;
      const data = asBase64 ? base64(result.bytes) : result.bytes;
      return { ok: true, data, media_type: result.media_type, size: result.size };
    } catch (error) {
      // A CORS refusal or network failure is a TypeError with no detail worth keeping.
      failure = { ok: false, code: 'FETCH_FAILED', message: String(error?.message ?? error) };
    }
  }
  return failure;
}
