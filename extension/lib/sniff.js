/**
 * Is this image a badge? A cheap look at PNG chunks and the SVG root, as agent/bakery does it.
 *
 * Rules:
 * - Only the first SNIFF_LIMIT bytes are ever looked at (the caller stops reading there too).
 * - PNG: walk the chunk list by lengths, never decode pixels or inflate text; a `tEXt`, `iTXt` or
 *   `zTXt` chunk whose keyword is `openbadges` (OB 2.0) or `openbadgecredential` (OB 3.0) makes
 *   it a badge, wherever it sits (some bakers put it after the image data).
 * - SVG: the root element must be `svg` (after a BOM, spaces, the XML declaration, comments and a
 *   DOCTYPE without an internal subset, which the agent refuses anyway); then a namespace
 *   declaration for an Open Badges namespace and an `assertion` or `credential` element under
 *   that prefix make it a badge. No tree is built.
 * - The answer is a hint for showing a button. The agent unbakes and verifies for real.
 */

export const SNIFF_LIMIT = 10 * 1024 * 1024;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TEXT_CHUNKS = new Set(['tEXt', 'iTXt', 'zTXt']);
const PNG_KEYWORDS = new Map([
  ['openbadges', 'ob2'],
  ['openbadgecredential', 'ob3'],
]);
const MAX_KEYWORD = 79;

/** Element name → spec, per namespace (the OB 3.0 `spec/` URI is the one issuers mix up). */
const SVG_NAMESPACES = new Map([
  ['http://openbadges.org', ['assertion', 'ob2']],
  ['https://purl.imsglobal.org/ob/v3p0', ['credential', 'ob3']],
  ['https://purl.imsglobal.org/spec/ob/v3p0', ['credential', 'ob3']],
]);
const MAX_PROLOG_ITEMS = 1000;
const MAX_PREFIXES = 8;
const NAMESPACE_DECLARATION =
  /\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(["'])(http:\/\/openbadges\.org|https:\/\/purl\.imsglobal\.org\/(?:spec\/)?ob\/v3p0)\2/g;

/**
 * @typedef {object} Sniffed
 * @property {boolean} badge whether Open Badges data seems to be inside
 * @property {'png' | 'svg' | null} container
 * @property {'ob2' | 'ob3' | null} spec
 * @property {string} reason why, in a few words (for logs and tests)
 */

/**
 * @param {Uint8Array} bytes the start of the file, up to SNIFF_LIMIT bytes
 * @returns {Sniffed}
 */
export function sniffBadge(bytes) {
  const data = bytes.length > SNIFF_LIMIT ? bytes.subarray(0, SNIFF_LIMIT) : bytes;
  if (isPng(data)) return sniffPng(data);
  const root = svgRootStart(data);
  if (root >= 0) return sniffSvg(data, root);
  return { badge: false, container: null, spec: null, reason: 'not a PNG or SVG image' };
}

/** @param {Uint8Array} data */
export function isPng(data) {
  return data.length >= 8 && PNG_SIGNATURE.every((byte, index) => data[index] === byte);
}

/**
 * @param {Uint8Array} data a PNG
 * @returns {Sniffed}
 */
export function sniffPng(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 8;
  while (pos + 8 <= data.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]);
    const start = pos + 8;
    if (TEXT_CHUNKS.has(type)) {
      const spec = PNG_KEYWORDS.get(keywordAt(data, start, Math.min(length, MAX_KEYWORD + 1)));
      if (spec) return { badge: true, container: 'png', spec, reason: `${type} chunk` };
    }
    if (type === 'IEND') break;
    pos = start + length + 4;
  }
  return { badge: false, container: 'png', spec: null, reason: 'no Open Badges chunk' };
}

/**
 * The Latin-1 keyword at `start` (up to its NUL), or '' when none ends within `max` bytes.
 * @param {Uint8Array} data
 * @param {number} start
 * @param {number} max
 */
function keywordAt(data, start, max) {
  const end = Math.min(start + max, data.length);
  for (let pos = start; pos < end; pos++) {
    if (data[pos] === 0) return String.fromCharCode(...data.subarray(start, pos));
  }
  return '';
}

/**
 * The offset of the root `<svg` (any prefix), or -1 when the markup's root is something else.
 * Works on bytes: everything it looks for is ASCII.
 * @param {Uint8Array} data
 */
export function svgRootStart(data) {
  let pos = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  for (let item = 0; item < MAX_PROLOG_ITEMS; item++) {
    pos = skipSpace(data, pos);
    if (data[pos] !== 0x3c) return -1; // '<'
    if (startsWith(data, pos, '<?')) {
      pos = find(data, '?>', pos + 2);
    } else if (startsWith(data, pos, '<!--')) {
      pos = find(data, '-->', pos + 4);
    } else if (startsWith(data, pos, '<!DOCTYPE')) {
      const end = find(data, '>', pos);
      if (end < 0 || data.subarray(pos, end).includes(0x5b)) return -1; // a DTD subset: refused
      if (/^<!DOCTYPE\s+html/i.test(ascii(data, pos, 20))) return -1;
      pos = end;
    } else {
      return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]/.test(ascii(data, pos, 80)) ? pos : -1;
    }
    if (pos < 0) return -1;
  }
  return -1;
}

/**
 * @param {Uint8Array} data an SVG whose root starts at `root`
 * @param {number} root
 * @returns {Sniffed}
 */
export function sniffSvg(data, root) {
  const text = new TextDecoder('utf-8').decode(data.subarray(root));
  const tried = new Set();
  for (const match of text.matchAll(NAMESPACE_DECLARATION)) {
    const [, prefix, , namespace] = match;
    const [element, spec] = SVG_NAMESPACES.get(namespace);
    const name = prefix ? `${prefix}:${element}` : element;
    if (tried.has(name)) continue;
    if (tried.size >= MAX_PREFIXES) break; // each try scans the text once: keep it linear
    tried.add(name);
    const tag = new RegExp(`<${name.replace(/\./g, '\\.')}[\\s/>]`);
    if (tag.test(text)) return { badge: true, container: 'svg', spec, reason: `<${name}>` };
  }
  return { badge: false, container: 'svg', spec: null, reason: 'no Open Badges element' };
}

/** @param {Uint8Array} data @param {number} pos */
function skipSpace(data, pos) {
  while (pos < data.length && (data[pos] === 0x20 || (data[pos] >= 0x09 && data[pos] <= 0x0d))) {
    pos++;
  }
  return pos;
}

/** @param {Uint8Array} data @param {number} pos @param {string} text */
function startsWith(data, pos, text) {
  for (let index = 0; index < text.length; index++) {
    if (data[pos + index] !== text.charCodeAt(index)) return false;
  }
  return true;
}

/** The offset just past `text` at or after `from`, or -1. @param {Uint8Array} data */
function find(data, text, from) {
  const first = text.charCodeAt(0);
  for (let pos = data.indexOf(first, from); pos >= 0; pos = data.indexOf(first, pos + 1)) {
    if (startsWith(data, pos, text)) return pos + text.length;
  }
  return -1;
}

/** @param {Uint8Array} data @param {number} pos @param {number} length */
function ascii(data, pos, length) {
  return String.fromCharCode(...data.subarray(pos, pos + length));
}
