/**
 * The worker's named message handlers (the router's table).
 *
 * Rules:
 * - Content scripts may only ask to save a badge (`page.save`), to read an https image the page
 *   could not (`page.fetch`) and whether the agent answers (`host.status`); what they send is
 *   checked and reduced to what the agent's `badge.save` accepts.
 * - The extension's own pages reach the agent through `agent.call`, limited to the methods the
 *   popup and the options page use.
 * - Handlers keep nothing between calls.
 */

import { ExtensionError } from '../lib/messages.js';
import { isHttpUrl, parseUrl } from '../lib/urls.js';

/** Agent methods the popup and the options page may call. */
export const PAGE_METHODS = new Set([
  'agent.hello',
  'badge.list',
  'badge.get',
  'badge.save',
  'badge.thumbnail',
  'badge.verify',
  'badge.delete',
  'badge.export',
  'badge.share',
  'badge.upload',
  'collections.list',
  'collections.create',
  'collections.add',
  'collections.remove',
  'settings.get',
  'settings.set',
  'emails.list',
  'emails.add',
  'emails.remove',
  'backpack.list',
  'backpack.connect',
  'upload.drain',
  'sync.run',
]);

const SOURCE_KEYS = ['page_url', 'image_url', 'mail_subject', 'mail_sender', 'mail_date'];
const MAX_SOURCE_CHARS = 2000;
const MAX_DATA_CHARS = 64 * 1024 * 1024;

/** @param {string} message */
function badMessage(message) {
  return new ExtensionError('BAD_MESSAGE', message);
}

/**
 * The `source` of a save, keeping only known string fields of sane length.
 * @param {unknown} source
 */
export function cleanSource(source) {
  /** @type {Record<string, string>} */
  const clean = {};
  if (!source || typeof source !== 'object') return clean;
  for (const key of SOURCE_KEYS) {
    const value = /** @type {Record<string, unknown>} */ (source)[key];
    if (typeof value === 'string' && value.trim() !== '') {
      clean[key] = value.slice(0, MAX_SOURCE_CHARS);
    }
  }
  return clean;
}

/**
 * `badge.save` params from what a page sent: exactly one of `data` (base64) or `url`.
 * @param {Record<string, unknown>} params
 */
export function saveParams(params) {
  const { data, url } = params;
  if ((data === undefined) === (url === undefined)) {
    throw badMessage('Send exactly one of the image bytes or its address.');
  }
  const source = cleanSource(params.source);
  if (data !== undefined) {
    if (typeof data !== 'string' || data.length === 0 || data.length > MAX_DATA_CHARS) {
      throw badMessage('The image bytes must be base64 text of at most 48 MB.');
    }
    return { data, source };
  }
  if (typeof url !== 'string' || !isHttpUrl(url) || url.length > 8192) {
    throw badMessage('The badge address must be an http(s) address.');
  }
  return { url, source };
}

/**
 * What a page needs to show after a save: the verdict in brief, never the whole record.
 * @param {any} outcome the agent's save outcome
 */
export function saveSummary(outcome) {
  const badge = outcome?.badge ?? {};
  const verdict = outcome?.verdict ?? {};
  return {
    created: Boolean(outcome?.created),
    status: badge.status ?? verdict.status ?? 'error',
    errors: Array.isArray(verdict.errors) ? verdict.errors : (badge.errors ?? []),
    badge: { id: badge.id, name: badge.name ?? null, issuer: badge.issuer?.name ?? null },
  };
}

/**
 * @param {object} deps
 * @param {(method: string, params?: object) => Promise<any>} deps.call the agent
 * @param {(url: string) => Promise<{data: string, media_type: string}>} deps.fetchForPage
 * @param {string} deps.version the extension's version, logged by the agent
 * @returns {Record<string, import('./router.js').Handler>}
 */
export function createHandlers({ call, fetchForPage, version }) {
  return {
    'host.status': {
      allow: ['extension', 'content'],
      async handle() {
        const hello = await call('agent.hello', { client: `badgekeeper-extension/${version}` });
        return {
          version: hello.version,
          protocol: hello.protocol,
          methods: hello.methods ?? [],
          events: hello.events ?? [],
        };
      },
    },

    'agent.call': {
      allow: ['extension'],
      async handle(params) {
        const { method } = params;
        if (typeof method !== 'string' || !PAGE_METHODS.has(method)) {
          throw badMessage(
            `The agent method "${String(method).slice(0, 60)}" is not available here.`,
          );
        }
        const methodParams = params.params ?? {};
        if (typeof methodParams !== 'object' || Array.isArray(methodParams)) {
          throw badMessage('The agent method parameters must be an object.');
        }
        return call(method, methodParams);
      },
    },

    'page.save': {
      allow: ['content'],
      async handle(params) {
        return saveSummary(await call('badge.save', saveParams(params)));
      },
    },

    'page.fetch': {
      allow: ['content'],
      async handle(params) {
        // https only: the worker reads what its host permissions allow, never a plain-http
        // address a message names (a printer's or router's page on the local network).
        if (typeof params.url !== 'string' || parseUrl(params.url)?.protocol !== 'https:') {
          throw badMessage('Only https images can be read for a page.');
        }
        return fetchForPage(params.url);
      },
    },
  };
}
