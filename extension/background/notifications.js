/**
 * Desktop notifications from agent events.
 *
 * Rules:
 * - Told: a new badge saved (with its verdict); a saved badge that became revoked, expired or
 *   invalid; a valid badge that expires within EXPIRY_WARNING_DAYS (from a save, a check, or
 *   sync's `badge.expiring`); an upload that got through after failing at first (it waited,
 *   so its arrival is news); an upload that failed for good (with the backpack's reason).
 *   Nothing else: a save the page already shows is news only once, an upload that went through
 *   at once is shown in the popup, a passing upload retry is not news at all.
 * - Each notification has a key; expiry warnings are remembered in `storage.local` (at most
 *   MAX_REMEMBERED keys) so a restart does not repeat them.
 * - Clicking a notification opens the badge in the popup page, in a tab.
 */

import { shortDate, statusInfo, statusReason } from '../lib/status.js';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const REMEMBERED_KEY = 'notifiedKeys';
const MAX_REMEMBERED = 500;
const PREFIX = 'badgekeeper:';
/** Note kinds that are about one badge (their key's second part is its id). */
const BADGE_KINDS = new Set([
  'saved',
  'revoked',
  'expired',
  'invalid',
  'expiring',
  'upload',
  'uploaded',
]);

/**
 * @typedef {object} Note
 * @property {string} key stable per fact, e.g. `revoked:e40bc711963c`
 * @property {string} title
 * @property {string} message
 * @property {string | null} badgeId
 * @property {boolean} once remembered across restarts, never repeated
 */

/** @param {any} badge */
function badgeName(badge) {
  return badge?.name ? `“${badge.name}”` : 'A badge';
}

/**
 * The notifications an agent event calls for (pure).
 * @param {string} event
 * @param {any} params
 * @param {number} [now] ms since the epoch
 * @returns {Note[]}
 */
export function notesFor(event, params, now = Date.now()) {
  const notes = [];
  const badge = params?.badge;
  if (event === 'badge.saved' && params?.created && badge?.id) {
    const status = params.status ?? badge.status;
    const issuer = badge.issuer?.name ? ` from ${badge.issuer.name}` : '';
    notes.push({
      key: `saved:${badge.id}`,
      title:
        status === 'valid'
          ? `Badge saved and verified ✓`
          : `Badge saved: ${statusInfo(status).label}`,
      message:
        status === 'valid'
          ? `${badgeName(badge)}${issuer} is in your library.`
          : `${badgeName(badge)}${issuer}: ${statusReason(status, badge.errors)}`,
      badgeId: badge.id,
      once: false,
    });
  }
  if (event === 'badge.verified' && badge?.id && params.status !== params.previous) {
    if (['revoked', 'expired', 'invalid'].includes(params.status)) {
      const verb = {
        revoked: 'was revoked',
        expired: 'has expired',
        invalid: 'no longer verifies',
      };
      notes.push({
        key: `${params.status}:${badge.id}`,
        title: `${badgeName(badge)} ${verb[params.status]}`,
        message: statusReason(params.status, badge.errors),
        badgeId: badge.id,
        once: false,
      });
    }
  }
  if ((event === 'badge.saved' || event === 'badge.verified') && badge?.id) {
    const expiring = expiryNote(badge, now);
    if (expiring) notes.push(expiring);
  }
  if (event === 'badge.expiring' && params?.badge_id && params.expires) {
    const expiring = expiryNote(
      { id: params.badge_id, name: params.name, status: 'valid', expires: params.expires },
      now,
    );
    if (expiring) notes.push(expiring);
  }
  if (event === 'upload.done' && params?.upload?.attempts > 1) {
    notes.push({
      key: `uploaded:${params.badge_id}:${params.backpack}`,
      title: `Uploaded to ${params.backpack}`,
      message: `The badge reached ${params.backpack} after ${params.upload.attempts} tries.`,
      badgeId: params.badge_id ?? null,
      once: false,
    });
  }
  if (event === 'upload.failed' && params?.final) {
    notes.push({
      key: `upload:${params.badge_id}:${params.backpack}`,
      title: `Upload to ${params.backpack} failed`,
      message: params.error?.message ?? 'The backpack refused the badge.',
      badgeId: params.badge_id ?? null,
      once: false,
    });
  }
  return notes;
}

/**
 * @param {any} badge
 * @param {number} now
 * @returns {Note | null}
 */
function expiryNote(badge, now) {
  if (badge.status !== 'valid' || !badge.expires) return null;
  const expires = Date.parse(badge.expires);
  if (Number.isNaN(expires) || expires <= now || expires - now > EXPIRY_WARNING_DAYS * DAY_MS) {
    return null;
  }
  return {
    key: `expiring:${badge.id}:${badge.expires}`,
    title: `${badgeName(badge)} expires soon`,
    message: `It expires on ${shortDate(badge.expires)}. Ask the issuer whether it can be renewed.`,
    badgeId: badge.id,
    once: true,
  };
}

/**
 * Show the notes, skipping `once` notes shown before.
 * @param {any} api chrome or browser
 * @param {Note[]} notes
 */
export async function showNotes(api, notes) {
  if (notes.length === 0) return;
  let remembered = null;
  for (const note of notes) {
    if (note.once) {
      remembered ??= (await api.storage.local.get(REMEMBERED_KEY))[REMEMBERED_KEY] ?? [];
      if (remembered.includes(note.key)) continue;
      remembered = [...remembered, note.key].slice(-MAX_REMEMBERED);
    }
    const id = `${PREFIX}${note.key}`;
    await api.notifications.create(id, {
      type: 'basic',
      iconUrl: api.runtime.getURL('extension/icons/icon-128.png'),
      title: note.title,
      message: note.message,
    });
  }
  if (remembered !== null) await api.storage.local.set({ [REMEMBERED_KEY]: remembered });
}

/**
 * The badge a notification is about, from its id (`badgekeeper:<kind>:<badge id>[:…]`).
 * @param {string} notificationId
 */
export function badgeOfNotification(notificationId) {
  if (!notificationId.startsWith(PREFIX)) return null;
  const [kind, id] = notificationId.slice(PREFIX.length).split(':');
  return BADGE_KINDS.has(kind) && /^[0-9a-f]{4,80}$/.test(id ?? '') ? id : null;
}

/**
 * Open the badge a clicked notification is about.
 * @param {any} api
 * @param {string} notificationId
 */
export async function openNotification(api, notificationId) {
  const badgeId = badgeOfNotification(notificationId);
  if (badgeId === null) return;
  await api.notifications.clear(notificationId);
  const url = api.runtime.getURL(`extension/popup/popup.html#badge=${badgeId}`);
  await api.tabs.create({ url });
}
