/**
 * Outlook on the web (outlook.office.com, outlook.live.com, outlook.office365.com): badges in
 * the reading pane's messages and their attachments.
 *
 * Outlook's class names are generated and change with every release, so this adapter reads its
 * accessibility attributes, which are stable: the reading pane (`#ReadingPaneContainerId`,
 * `[aria-label="Reading Pane"]`), each message body `div[aria-label="Message body"]`, the
 * conversation's `[role="heading"]`, the attachment list `[role="listbox"]` labelled
 * "attachments" with one `[role="option"]` (titled with the file name) per file. Attachment
 * downloads are session-bound, so they are read in the page with its cookies. A message item
 * is the nearest ancestor holding both its body and its header (`[data-convid]`, or
 * `[role="document"]`).
 */

import {
  attachmentCandidate,
  imageCandidate,
  imageFacts,
  limitCandidates,
} from '../lib/candidates.js';
import { watchMail } from '../content/scanner.js';

export const site = {
  name: 'outlook',
  matches: [
    'https://outlook.office.com/*',
    'https://outlook.live.com/*',
    'https://outlook.office365.com/*',
  ],
};

export const SELECTORS = Object.freeze({
  pane: '#ReadingPaneContainerId, [aria-label="Reading Pane"]',
  item: '[data-convid], [role="document"]',
  body: 'div[aria-label="Message body"]',
  subject: '[role="heading"]',
  sender: '[data-testid="SenderPersona"], span[title*="@"]',
  date: '[data-testid="SentReceivedSavedTime"]',
  attachmentList: '[role="listbox"][aria-label*="ttachment"]',
  attachment: '[role="option"]',
});

const UNIT = `${SELECTORS.body}, ${SELECTORS.attachmentList}`;

/** @param {Element} option */
function attachmentOf(option) {
  const link = option.querySelector('a[href][download], a[href][data-download]');
  const url = link?.getAttribute('href') ?? option.getAttribute('data-download-url');
  if (!url) return null;
  const name = option.getAttribute('title') ?? link?.getAttribute('download') ?? '';
  const absolute = new URL(url, option.ownerDocument?.baseURI ?? 'https://outlook.office.com/');
  return { name, url: absolute.href, mediaType: option.getAttribute('data-mime-type') };
}

/**
 * Candidates in one unit: a message body's images, or an attachment list's image files (the
 * file's preview image is marked).
 * @param {Element} unit
 * @returns {import('../content/scanner.js').FoundImage[]}
 */
export function findImages(unit) {
  const baseUrl = unit.ownerDocument?.baseURI ?? 'https://outlook.office.com/';
  const found = [];
  if (unit.matches(SELECTORS.body)) {
    for (const img of unit.querySelectorAll('img')) {
      const candidate = imageCandidate(imageFacts(img, baseUrl));
      if (candidate) found.push({ element: /** @type {HTMLElement} */ (img), candidate });
    }
  } else {
    for (const option of unit.querySelectorAll(SELECTORS.attachment)) {
      const attachment = attachmentOf(option);
      const candidate = attachment && attachmentCandidate(attachment);
      const element = option.querySelector('img') ?? option;
      if (candidate) found.push({ element: /** @type {HTMLElement} */ (element), candidate });
    }
  }
  return limitCandidates(found);
}

/**
 * Subject, sender and date of the message around `unit`.
 * @param {Element} unit
 */
export function mailContext(unit) {
  const context = {};
  const item = unit.closest(SELECTORS.item) ?? unit.closest(SELECTORS.pane);
  const pane = unit.closest(SELECTORS.pane) ?? unit.ownerDocument;
  const subject = pane?.querySelector(SELECTORS.subject)?.textContent?.trim();
  if (subject) context.mail_subject = subject;
  const sender = item?.querySelector(SELECTORS.sender);
  if (sender) {
    const email = sender.getAttribute('title') ?? '';
    const name = sender.textContent?.trim() ?? '';
    context.mail_sender = name && email && name !== email ? `${name} <${email}>` : email || name;
  }
  const date = item?.querySelector(SELECTORS.date)?.textContent?.trim();
  if (date) context.mail_date = date;
  return context;
}

/** @param {AbortSignal} signal */
export function start(signal) {
  watchMail({ theme: 'outlook', unitSelector: UNIT, findImages, mailContext }, signal);
}
