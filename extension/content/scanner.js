/**
 * Watch a mail web app for opened messages and put Save buttons on the badges in them.
 *
 * Rules:
 * - Mail apps are single-page apps that insert message bodies late and replace them often: one
 *   MutationObserver on the document notes which message "units" (the adapter's selector)
 *   changed. Its callback looks at no more than MAX_NODES_PER_CALLBACK added nodes; past that it
 *   asks for one full rescan instead. The real work runs later, in slices of UNITS_PER_SLICE
 *   units, so the mail app never waits for us.
 * - Each image is judged once per address (a WeakMap of what was seen); our own elements are
 *   ignored.
 * - An adapter error is logged and skips that unit: one odd message does not stop the rest.
 * - The AbortSignal stops everything: observer, timers, buttons.
 */

import { attachBadgeButton } from './badge_button.js';
import { detectBadge } from './detect.js';
import { saveBadge } from './save_badge.js';

const MAX_NODES_PER_CALLBACK = 200;
const MAX_UNITS_PER_NODE = 50;
const UNITS_PER_SLICE = 5;
const SETTLE_MS = 60;

/**
 * @typedef {object} FoundImage
 * @property {HTMLElement} element the image to mark
 * @property {import('../lib/candidates.js').Candidate} candidate
 */

/**
 * @typedef {object} Adapter
 * @property {string} theme 'gmail' | 'outlook'
 * @property {string} unitSelector a message (or part of one) that holds candidate images
 * @property {(unit: Element) => FoundImage[]} findImages
 * @property {(unit: Element) => Record<string, string>} mailContext subject, sender, date
 */

/**
 * @param {Adapter} adapter
 * @param {AbortSignal} signal
 * @param {Document} [doc]
 */
export function watchMail(adapter, signal, doc = document) {
  /** @type {WeakMap<Element, string>} */
  const seen = new WeakMap();
  /** @type {Set<Element>} */
  const dirty = new Set();
  let rescanAll = true;
  let timer = 0;

  function schedule() {
    if (timer === 0 && !signal.aborted) timer = setTimeout(drain, SETTLE_MS);
  }

  /** @param {Node} node */
  function note(node) {
    const target =
      node.nodeType === Node.ELEMENT_NODE ? /** @type {Element} */ (node) : node.parentElement;
    if (!target || target.closest('.badgekeeper-anchor')) return;
    const unit = target.closest(adapter.unitSelector);
    if (unit) {
      dirty.add(unit);
      return;
    }
    const inside = target.querySelectorAll(adapter.unitSelector);
    if (inside.length > MAX_UNITS_PER_NODE) rescanAll = true;
    else for (const found of inside) dirty.add(found);
  }

  const observer = new MutationObserver((records) => {
    let budget = MAX_NODES_PER_CALLBACK;
    for (const record of records) {
      if (record.type === 'attributes') {
        budget--;
        note(record.target);
      } else {
        for (const node of record.addedNodes) {
          if (--budget < 0) break;
          if (node.nodeType === Node.ELEMENT_NODE) note(node);
        }
      }
      if (budget < 0) {
        rescanAll = true;
        break;
      }
    }
    schedule();
  });

  function drain() {
    timer = 0;
    if (signal.aborted) return;
    if (rescanAll) {
      rescanAll = false;
      for (const unit of doc.querySelectorAll(adapter.unitSelector)) dirty.add(unit);
    }
    const slice = [...dirty].slice(0, UNITS_PER_SLICE);
    for (const unit of slice) {
      dirty.delete(unit);
      if (unit.isConnected) scanUnit(unit);
    }
    if (dirty.size > 0) schedule();
  }

  /** @param {Element} unit */
  function scanUnit(unit) {
    let found;
    try {
      found = adapter.findImages(unit);
    } catch (error) {
      console.warn('Badgekeeper: could not read a message here', error);
      return;
    }
    for (const { element, candidate } of found) {
      if (seen.get(element) === candidate.imageUrl) continue;
      seen.set(element, candidate.imageUrl);
      judge(unit, element, candidate);
    }
  }

  /**
   * @param {Element} unit
   * @param {HTMLElement} element
   * @param {import('../lib/candidates.js').Candidate} candidate
   */
  async function judge(unit, element, candidate) {
    const detection = await detectBadge(candidate);
    if (!detection.badge || signal.aborted || !element.isConnected) return;
    attachBadgeButton(element, {
      theme: adapter.theme,
      signal,
      save: () => saveBadge(detection, candidate.imageUrl, safeContext(unit)),
    });
  }

  /** @param {Element} unit */
  function safeContext(unit) {
    try {
      return adapter.mailContext(unit);
    } catch {
      return {}; // the save still works without the mail's subject and sender
    }
  }

  observer.observe(doc.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['src', 'download_url'],
  });
  signal.addEventListener(
    'abort',
    () => {
      observer.disconnect();
      clearTimeout(timer);
    },
    { once: true },
  );
  schedule();
}
