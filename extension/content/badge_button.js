/**
 * The page contract (DESIGN.md, "The page"): a detected badge image gets
 * `data-badgekeeper="badge"` and a `button[data-badgekeeper="save"]` beside it.
 *
 * Rules:
 * - The button (accessible name "Save badge") shows on hover and on keyboard focus, over the
 *   image's top-right corner, styled like the mail client's own buttons; it never moves the
 *   message's layout (its anchor is absolutely positioned at the image's place in the flow).
 * - Pressing it saves once: while a save runs or after it succeeded, presses do nothing.
 * - After a save, the image and the button carry `data-badgekeeper-status` (the verdict) and the
 *   button becomes a small status badge (✓ Valid, Revoked, Expired, Invalid, Error) whose tooltip
 *   says why. A failed save adds a chip saying so and leaves the button ready to try again;
 *   when the helper program is missing, a note shows the one command to run.
 * - Everything is removed again when the adapter's AbortSignal fires.
 */

import { HOST_PROBLEMS, statusInfo, statusReason } from '../lib/status.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const HIDE_DELAY_MS = 350;
const GAP = 6;
const COMPACT_BELOW = 120;

/** @type {WeakMap<Element, BadgeButton>} */
const buttons = new WeakMap();

/**
 * @typedef {object} SaveSummary
 * @property {string} status
 * @property {{code: string, message: string}[]} errors
 * @property {{id?: string, name?: string | null, issuer?: string | null}} badge
 * @property {boolean} created
 */

/**
 * @typedef {object} BadgeButton
 * @property {HTMLButtonElement} button
 * @property {(summary: SaveSummary) => void} showSaved
 */

/** @param {Element} img */
export function badgeButtonFor(img) {
  return buttons.get(img) ?? null;
}

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {string} className
 */
function element(doc, tag, className) {
  const node = doc.createElement(tag);
  node.className = className;
  return node;
}

/** A small medal, drawn inline so the page loads nothing from the extension. */
function medalIcon(doc) {
  const svg = doc.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const path = doc.createElementNS(SVG_NS, 'path');
  path.setAttribute(
    'd',
    'M5 1h6l-1.6 4.1A4.5 4.5 0 1 1 6.6 5.1Zm3 6a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z',
  );
  svg.append(path);
  return svg;
}

/**
 * Mark `img` as a badge and put the Save button beside it.
 * @param {HTMLElement} img
 * @param {{theme: string, signal: AbortSignal, save: () => Promise<SaveSummary>}} options
 * @returns {BadgeButton}
 */
export function attachBadgeButton(img, { theme, signal, save }) {
  const existing = buttons.get(img);
  if (existing) return existing;
  const doc = img.ownerDocument;
  const anchor = element(doc, 'span', `badgekeeper-anchor badgekeeper-theme-${theme}`);
  anchor.dataset.badgekeeper = 'controls';
  const controls = element(doc, 'span', 'badgekeeper-controls');
  const chip = element(doc, 'span', 'badgekeeper-status');
  chip.setAttribute('role', 'status');
  chip.hidden = true;
  const chipText = element(doc, 'span', 'badgekeeper-status-text');
  const chipReason = element(doc, 'span', 'badgekeeper-sr');
  chipReason.id = `badgekeeper-reason-${Math.random().toString(36).slice(2, 10)}`;
  chip.append(chipText);
  const button = /** @type {HTMLButtonElement} */ (element(doc, 'button', 'badgekeeper-save'));
  button.type = 'button';
  button.dataset.badgekeeper = 'save';
  const symbol = element(doc, 'span', 'badgekeeper-symbol');
  const label = element(doc, 'span', 'badgekeeper-label');
  label.textContent = 'Save badge';
  button.append(medalIcon(doc), symbol, label);
  const note = element(doc, 'span', 'badgekeeper-note');
  note.setAttribute('role', 'alert');
  note.hidden = true;
  controls.append(chip, button);
  anchor.append(controls, note, chipReason);

  // Inside a link the button would follow it; put it after a link that only wraps the image.
  const parent = img.parentElement;
  const host = parent?.tagName === 'A' && parent.childElementCount === 1 ? parent : img;
  host.after(anchor);
  img.setAttribute('data-badgekeeper', 'badge');

  let state = 'idle'; // idle → saving → saved; a failure goes back to idle
  let hideTimer = 0;

  function place() {
    const image = img.getBoundingClientRect();
    const origin = anchor.getBoundingClientRect();
    // On a small image (an attachment's preview) only the icon or the verdict's symbol shows;
    // the words stay for screen readers.
    anchor.classList.toggle('is-compact', image.width < COMPACT_BELOW);
    const width = controls.offsetWidth;
    const left = Math.max(image.left - origin.left + GAP, image.right - origin.left - width - GAP);
    const top = image.top - origin.top + GAP;
    controls.style.left = `${Math.round(left)}px`;
    controls.style.top = `${Math.round(top)}px`;
    note.style.left = `${Math.round(image.left - origin.left)}px`;
    note.style.top = `${Math.round(top + controls.offsetHeight + GAP)}px`;
  }

  function show() {
    clearTimeout(hideTimer);
    place();
    anchor.classList.add('is-visible');
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      if (!anchor.matches(':focus-within')) anchor.classList.remove('is-visible');
    }, HIDE_DELAY_MS);
  }

  /** A failed save: the chip says so, the button stays ready to try again. */
  function setFailureChip(text, reason) {
    chip.hidden = false;
    chip.dataset.tone = 'neutral';
    chipText.textContent = text;
    chipReason.textContent = reason;
    chip.title = reason;
    button.setAttribute('aria-describedby', chipReason.id);
    for (const target of [img, button]) target.setAttribute('data-badgekeeper-status', 'error');
    anchor.classList.add('is-sticky');
    place();
  }

  /** @param {SaveSummary} summary */
  function showSaved(summary) {
    state = 'saved';
    const status = summary.status;
    const info = statusInfo(status);
    const name = summary.badge?.name ? `“${summary.badge.name}”` : 'This badge';
    const reason =
      status === 'valid'
        ? `${name} is saved in Badgekeeper and verified with its issuer.`
        : `${name} is saved in Badgekeeper, but: ${statusReason(status, summary.errors)}`;
    // The button itself becomes the status badge; the separate chip is for failed saves.
    chip.hidden = true;
    note.hidden = true;
    button.removeAttribute('aria-busy');
    button.classList.add('is-status');
    button.dataset.tone = info.tone;
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-label', `Saved in Badgekeeper: ${info.label}`);
    button.setAttribute('aria-describedby', chipReason.id);
    chipReason.textContent = reason;
    button.title = reason;
    symbol.textContent = info.symbol;
    label.textContent = ` ${info.label}`;
    for (const target of [img, button]) {
      target.setAttribute('data-badgekeeper-status', status);
      target.removeAttribute('data-badgekeeper-error');
    }
    anchor.classList.add('is-sticky');
    place();
  }

  /** @param {any} error an ExtensionError */
  function showFailed(error) {
    state = 'idle';
    button.removeAttribute('aria-busy');
    label.textContent = 'Save badge';
    const code = String(error?.code ?? 'INTERNAL_ERROR');
    img.setAttribute('data-badgekeeper-error', code);
    button.setAttribute('data-badgekeeper-error', code);
    const message = String(error?.message ?? 'The badge could not be saved.');
    const hostProblem = HOST_PROBLEMS.has(code);
    setFailureChip(hostProblem ? '! Not set up' : '! Not saved', message);
    if (error?.command) showNote(hostProblem, message, error.command);
  }

  /** @param {boolean} hostProblem @param {string} message @param {string} command */
  function showNote(hostProblem, message, command) {
    note.replaceChildren();
    const text = element(doc, 'span', 'badgekeeper-note-text');
    text.textContent = hostProblem
      ? 'Badgekeeper’s helper program is not set up for this browser. Run this in a terminal, then press Save badge again:'
      : message;
    const code = element(doc, 'code', 'badgekeeper-command');
    code.textContent = command;
    const close = /** @type {HTMLButtonElement} */ (element(doc, 'button', 'badgekeeper-close'));
    close.type = 'button';
    close.textContent = 'Dismiss';
    close.addEventListener('click', (event) => {
      event.preventDefault();
      event.stopPropagation();
      note.hidden = true;
    });
    note.append(text, code, close);
    note.hidden = false;
    place();
  }

  async function onPress(event) {
    event.preventDefault();
    event.stopPropagation(); // the mail client must not act on it (open the image, select the message)
    if (state !== 'idle') return;
    state = 'saving';
    button.setAttribute('aria-busy', 'true');
    label.textContent = 'Saving…';
    anchor.classList.add('is-sticky');
    try {
      showSaved(await save());
    } catch (error) {
      showFailed(error);
    }
  }

  button.addEventListener('click', onPress, { signal });
  for (const target of [img, anchor]) {
    target.addEventListener('pointerenter', show, { signal });
    target.addEventListener('pointerleave', hideSoon, { signal });
  }
  anchor.addEventListener('focusin', show, { signal });
  anchor.addEventListener('focusout', hideSoon, { signal });
  const resize = new ResizeObserver(() => {
    if (anchor.classList.contains('is-sticky') || anchor.classList.contains('is-visible')) place();
  });
  resize.observe(img);

  signal.addEventListener(
    'abort',
    () => {
      resize.disconnect();
      clearTimeout(hideTimer);
      anchor.remove();
      for (const name of [
        'data-badgekeeper',
        'data-badgekeeper-status',
        'data-badgekeeper-error',
      ]) {
        img.removeAttribute(name);
      }
      buttons.delete(img);
    },
    { once: true },
  );

  const handle = { button, showSaved };
  buttons.set(img, handle);
  return handle;
}
