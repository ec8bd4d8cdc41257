/**
 * One badge in full: what it is, who issued it to whom, every verification check and what a
 * failure means, where it was found, its uploads, and what can be done with it.
 */

import { callAgent } from '../lib/agent_client.js';
import { fill, h } from '../lib/elements.js';
import { describeCheck, shortDate, statusInfo, statusReason, uploadLabel } from '../lib/status.js';
import { isHttpUrl } from '../lib/urls.js';
import { actionButtons, collectionsSection, deleteSection } from './badge_actions.js';
import { issuerLabel, statusChip } from './list_view.js';
import { showNotice } from './progress.js';
import { thumbnailImage } from './thumbnails.js';

/** A link when `url` is http(s), else plain text. */
function safeLink(url, text) {
  return isHttpUrl(url ?? '')
    ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text)
    : text;
}

/** @param {string} title @param {...any} children */
function section(title, ...children) {
  return h('section', { 'aria-label': title }, h('h3', null, title), ...children);
}

/** @param {[string, any][]} pairs */
function facts(pairs) {
  const list = h('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    list.append(h('dt', null, term), h('dd', null, value));
  }
  return list;
}

/** @param {any} recipient */
function recipientText(recipient) {
  if (!recipient?.checked) return 'Not checked: add your e-mail addresses in Settings.';
  if (recipient.matched)
    return `You (${recipient.matched_address ?? recipient.identity ?? 'one of your addresses'})`;
  return `Someone else: ${recipient.identity ?? 'a hashed address'} is none of your addresses.`;
}

/** @param {any} verdict */
function checksList(verdict) {
  const checks = Array.isArray(verdict?.checks) ? verdict.checks : [];
  if (checks.length === 0) return h('p', { class: 'muted' }, 'No checks were recorded.');
  return h(
    'ul',
    { class: 'checks' },
    ...checks.map((check) => {
      const { title, detail } = describeCheck(check);
      return h(
        'li',
        { class: 'check', 'data-passed': String(Boolean(check.passed)) },
        h(
          'span',
          { class: 'check-mark', 'aria-label': check.passed ? 'Passed' : 'Failed' },
          check.passed ? '✓' : '✗',
        ),
        h('span', null, title, h('span', { class: 'check-detail' }, detail)),
      );
    }),
  );
}

/**
 * Errors or warnings, leaving out those a failed check already shows word for word.
 * @param {{code: string, message: string}[]} problems
 * @param {string} label
 * @param {any} verdict
 */
function problemsList(problems, label, verdict) {
  const shown = new Set((verdict?.checks ?? []).map((check) => check.detail));
  problems = Array.isArray(problems)
    ? problems.filter((problem) => !shown.has(problem.message))
    : [];
  if (problems.length === 0) return null;
  return h(
    'ul',
    { class: 'checks', 'aria-label': label },
    ...problems.map((problem) =>
      h(
        'li',
        { class: 'check', 'data-passed': 'false' },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, '!'),
        h('span', null, problem.message, h('span', { class: 'check-detail' }, problem.code)),
      ),
    ),
  );
}

/** @param {any[]} sources */
function sourcesList(sources) {
  if (!Array.isArray(sources) || sources.length === 0)
    return h('p', { class: 'muted' }, 'Saved without a source.');
  return h(
    'ul',
    { class: 'sources' },
    ...sources.map((source) => {
      const title = source.mail_subject
        ? `“${source.mail_subject}”`
        : source.backpack
          ? `Your backpack “${source.backpack}”`
          : 'A page';
      const from = source.mail_sender ? ` from ${source.mail_sender}` : '';
      const when = shortDate(source.saved_at);
      return h(
        'li',
        null,
        safeLink(source.page_url, title),
        from,
        when ? h('span', { class: 'check-detail' }, `Saved ${when}`) : null,
      );
    }),
  );
}

/**
 * The last background check could not reach the issuer: the status shown is the one before.
 * @param {any} badge
 */
function unreachableNotice(badge) {
  const note = badge.unreachable;
  if (!note) return null;
  const when = shortDate(note.at);
  return h(
    'p',
    { class: 'unreachable', role: 'note' },
    `Last checked ${when || 'recently'}: could not reach the issuer (${note.message}). ` +
      'The status above is from the check before; Badgekeeper will try again.',
  );
}

/**
 * @param {{methods: Set<string>, onBack: () => void, onDeleted: (id: string) => void}} options
 */
export function createDetailsView({ methods, onBack, onDeleted }) {
  const view = /** @type {HTMLElement} */ (document.getElementById('view-details'));
  /** @type {string | null} */
  let current = null;

  /** @param {string} id */
  async function open(id) {
    current = id;
    let record;
    try {
      record = await callAgent('badge.get', { id });
    } catch (error) {
      showNotice(error.message, { command: error.command });
      onBack();
      return;
    }
    if (current !== id) return;
    render(record);
  }

  /** @param {any} record `badge.get`'s result */
  function render(record) {
    const { badge } = record;
    const latest = record.verifications?.[0]?.verdict ?? null;
    const reason = statusReason(badge.status, badge.errors);
    const meaning = statusInfo(badge.status).meaning;
    const panel = h('div', { class: 'action-panel' });
    const refresh = () => open(badge.id);
    fill(
      view,
      h('button', { class: 'link-button', type: 'button', onclick: onBack }, '← All badges'),
      h(
        'div',
        { class: 'details-top' },
        thumbnailImage(badge, 96),
        h(
          'div',
          null,
          h('h2', null, badge.name ?? 'Unnamed badge'),
          h('p', { class: 'muted' }, safeLink(badge.issuer?.url, issuerLabel(badge))),
          h(
            'div',
            { class: 'status-line' },
            statusChip(badge.status, reason),
            h('p', { class: 'reason' }, meaning),
          ),
          unreachableNotice(badge),
        ),
      ),
      actionButtons({ badge, methods, panel, refresh }),
      panel,
      collectionsSection({ badge, methods, refresh }),
      section(
        'About',
        badge.description ? h('p', null, badge.description) : null,
        facts([
          [
            'Criteria',
            isHttpUrl(badge.criteria ?? '')
              ? safeLink(badge.criteria, 'View the criteria')
              : badge.criteria,
          ],
          ['Issued', shortDate(badge.issued_on)],
          ['Expires', badge.expires ? shortDate(badge.expires) : 'Never'],
          ['Recipient', recipientText(badge.recipient ?? latest?.recipient)],
          [
            'Kind',
            badge.spec
              ? `Open Badges ${badge.spec === 'ob3' ? '3.0' : '2.0'}${badge.format ? ` (${badge.format})` : ''}`
              : null,
          ],
          ['Saved', shortDate(badge.saved_at)],
          ['Last checked', shortDate(badge.checked_at)],
        ]),
      ),
      section(
        'Verification',
        checksList(latest),
        problemsList(badge.errors, 'Problems', latest),
        problemsList(badge.warnings, 'Warnings', latest),
      ),
      section('Where it came from', sourcesList(record.sources)),
      record.uploads?.length
        ? section(
            'Uploads',
            h(
              'ul',
              { class: 'sources' },
              ...record.uploads.map((upload) =>
                h(
                  'li',
                  null,
                  uploadLabel(upload),
                  upload.last_error
                    ? h('span', { class: 'check-detail' }, upload.last_error)
                    : null,
                  upload.public_url
                    ? h(
                        'span',
                        { class: 'check-detail' },
                        safeLink(upload.public_url, 'Its page at the backpack'),
                      )
                    : null,
                ),
              ),
            ),
          )
        : null,
      deleteSection({ badge, methods, onDeleted }),
    );
    view.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  view.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onBack();
    }
  });

  return {
    open,
    currentId: () => current,
    close() {
      current = null;
    },
  };
}
