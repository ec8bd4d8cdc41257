/**
 * Gmail (mail.google.com): badges in opened messages and their attachments.
 *
 * Gmail's DOM as extensions read it: a message is `div.adn[data-message-id]`, its body
 * `div.a3s`, its sender `span.gD[email]`, its date `span.g3[title]`, the conversation's subject
 * `h2.hP`, attachments `div.aQH span.aZo[download_url]` (`mime:name:url`). Remote images come
 * through Gmail's image proxy; lib/urls.js reads the original address behind it.
 */

import {
  attachmentCandidate,
  imageCandidate,
  imageFacts,
  limitCandidates,
} from '../lib/candidates.js';
import { parseGmailDownloadUrl } from '../lib/urls.js';
import { watchMail } from '../content/scanner.js';

export const site = { name: 'gmail', matches: ['https://mail.google.com/*'] };

export const SELECTORS = Object.freeze({
  message: 'div.adn[data-message-id]',
  body: 'div.a3s',
  sender: 'span.gD[email]',
  date: 'span.g3',
  subject: 'h2.hP',
  attachment: 'div.aQH span.aZo[download_url]',
});

/**
 * Candidate images of one message: body images, then image attachments (their preview image
 * is the element marked; the download address is what is read).
 * @param {Element} message
 * @returns {import('../content/scanner.js').FoundImage[]}
 */
export function findImages(message) {
  const baseUrl = message.ownerDocument?.baseURI ?? 'https://mail.google.com/';
  const found = [];
  for (const body of message.querySelectorAll(SELECTORS.body)) {
    for (const img of body.querySelectorAll('img')) {
      const candidate = imageCandidate(imageFacts(img, baseUrl));
      if (candidate) found.push({ element: /** @type {HTMLElement} */ (img), candidate });
    }
  }
  for (const chip of message.querySelectorAll(SELECTORS.attachment)) {
    const attachment = parseGmailDownloadUrl(chip.getAttribute('download_url'));
    const candidate = attachment && attachmentCandidate(attachment);
    const element = chip.querySelector('img') ?? chip;
    if (candidate) found.push({ element: /** @type {HTMLElement} */ (element), candidate });
  }
  return limitCandidates(found);
}

/**
 * Where the message came from, for the badge's source.
 * @param {Element} message
 */
export function mailContext(message) {
  const context = {};
  const subject = message.ownerDocument?.querySelector(SELECTORS.subject)?.textContent?.trim();
  if (subject) context.mail_subject = subject;
  const sender = message.querySelector(SELECTORS.sender);
  if (sender) {
    const email = sender.getAttribute('email') ?? '';
    const name = sender.getAttribute('name') ?? sender.textContent?.trim() ?? '';
    context.mail_sender = name && name !== email ? `${name} <${email}>` : email;
  }
  const date = message.querySelector(SELECTORS.date);
  const when = date?.getAttribute('title') || date?.textContent?.trim();
  if (when) context.mail_date = when;
  return context;
}

/** @param {AbortSignal} signal */
export function start(signal) {
  watchMail({ theme: 'gmail', unitSelector: SELECTORS.message, findImages, mailContext }, signal);
}
