/**
 * The mail sites Badgekeeper works in: where each adapter runs and which module it is.
 *
 * manifest.json's `content_scripts` must list the same match patterns (a unit test checks it);
 * the service worker accepts messages from content scripts on these hosts only.
 */

/**
 * @typedef {object} SiteEntry
 * @property {string} name the preference key (`inline_button_sites`)
 * @property {string} label
 * @property {string[]} matches match patterns, as in the manifest
 * @property {() => Promise<{site: object, start: (signal: AbortSignal) => void}>} load imports
 *   the adapter (only when a page of the site asks: each adapter fails alone)
 */

/** @type {SiteEntry[]} */
export const SITES = [
  {
    name: 'gmail',
    label: 'Gmail',
    matches: ['https://mail.google.com/*'],
    load: () => import('../sites/gmail.js'),
  },
  {
    name: 'outlook',
    label: 'Outlook on the web',
    matches: [
      'https://outlook.office.com/*',
      'https://outlook.live.com/*',
      'https://outlook.office365.com/*',
    ],
    load: () => import('../sites/outlook.js'),
  },
];

/** @param {string} pattern e.g. https://mail.google.com/* */
export function patternHost(pattern) {
  return /^https:\/\/([^/]+)\//.exec(pattern)?.[1] ?? '';
}

/** Every mail site's host name. */
export const MAIL_HOSTS = new Set(SITES.flatMap((site) => site.matches.map(patternHost)));

/**
 * The site a page belongs to, or null.
 * @param {string} hostname
 */
export function siteForHost(hostname) {
  return (
    SITES.find((site) => site.matches.some((pattern) => patternHost(pattern) === hostname)) ?? null
  );
}
