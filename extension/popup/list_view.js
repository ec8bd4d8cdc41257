/**
 * The popup's list: every badge with its thumbnail, name, issuer, date, status and upload state;
 * search, filters, sort, and pages of PAGE_SIZE that the agent cuts (so 10,000 badges open as
 * fast as 10).
 *
 * Rules:
 * - One `badge.list` per page; a newer query wins over an older one still in flight.
 * - Arrow keys, Home and End move between rows; Enter opens one; "/" jumps to the search box.
 */

import { callAgent } from '../lib/agent_client.js';
import { fill, h } from '../lib/elements.js';
import { shortDate, statusInfo, statusReason, uploadLabel } from '../lib/status.js';
import { parseUrl } from '../lib/urls.js';
import { showNotice } from './progress.js';
import { thumbnailImage } from './thumbnails.js';

export const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 200;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * A status chip.
 * @param {string} status
 * @param {string} [reason]
 */
export function statusChip(status, reason) {
  const info = statusInfo(status);
  return h(
    'span',
    { class: 'chip', 'data-tone': info.tone, 'data-status': status, title: reason },
    `${info.symbol} ${info.label}`,
  );
}

/** The upload state worth showing first: a failure, then work pending, then done. */
function uploadSummary(badge) {
  const uploads = Array.isArray(badge.uploads) ? badge.uploads : [];
  if (uploads.length === 0) return '';
  const best =
    uploads.find((upload) => upload.state === 'failed') ??
    uploads.find((upload) => upload.state !== 'done') ??
    uploads[0];
  return uploadLabel(best);
}

/**
 * Who issued it, as far as known: the issuer's name, else the host its assertion lives on (a
 * badge whose issuer could not be reached has no name yet).
 * @param {any} badge
 */
export function issuerLabel(badge) {
  if (badge.issuer?.name) return badge.issuer.name;
  const host = parseUrl(badge.issuer?.id ?? badge.assertion_id ?? '')?.hostname;
  return host || 'Unknown issuer';
}

/** @param {any} badge */
function row(badge, onOpen) {
  const issuer = issuerLabel(badge);
  const date = shortDate(badge.issued_on ?? badge.saved_at);
  const third = [
    date && `Issued ${date}`,
    uploadSummary(badge),
    badge.unreachable && 'Issuer unreachable',
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'li',
    null,
    h(
      'button',
      { class: 'row', type: 'button', 'data-id': badge.id, onclick: () => onOpen(badge.id) },
      thumbnailImage(badge, 48),
      h(
        'span',
        { class: 'row-text' },
        h('span', { class: 'row-name' }, badge.name ?? 'Unnamed badge'),
        h('span', { class: 'row-meta' }, issuer),
        third ? h('span', { class: 'row-meta' }, third) : null,
      ),
      h(
        'span',
        { class: 'row-side' },
        statusChip(badge.status, statusReason(badge.status, badge.errors)),
      ),
    ),
  );
}

/**
 * @param {{onOpen: (id: string) => void}} options
 */
export function createListView({ onOpen }) {
  const query = {
    text: '',
    status: '',
    collection: '',
    sort: 'saved_at',
    descending: true,
    offset: 0,
  };
  let generation = 0;
  let total = 0;
  let reloadTimer = 0;

  async function load() {
    const mine = ++generation;
    const params = {
      sort: query.sort,
      descending: query.descending,
      limit: PAGE_SIZE,
      offset: query.offset,
    };
    if (query.text.trim()) params.text = query.text.trim().slice(0, 200);
    if (query.status) params.status = query.status;
    if (query.collection) params.collection = Number(query.collection);
    let page;
    try {
      page = await callAgent('badge.list', params);
    } catch (error) {
      if (mine === generation) showNotice(error.message, { command: error.command });
      return;
    }
    if (mine !== generation) return; // a newer query answered first or is on its way
    total = page.total;
    render(page.items);
  }

  function filtered() {
    return Boolean(query.text.trim() || query.status || query.collection);
  }

  /** @param {any[]} items */
  function render(items) {
    const list = byId('badges');
    const focusedId = document.activeElement?.closest?.('.row')?.getAttribute('data-id');
    fill(list, ...items.map((badge) => row(badge, onOpen)));
    byId('empty').hidden = total > 0 || filtered();
    byId('filters').hidden = total === 0 && !filtered();
    byId('no-match').hidden = total > 0 || !filtered();
    byId('count').textContent = total === 1 ? '1 badge' : `${total.toLocaleString()} badges`;
    byId('pager').hidden = total <= PAGE_SIZE;
    const last = Math.min(query.offset + items.length, total);
    byId('range').textContent = total
      ? `${(query.offset + 1).toLocaleString()}–${last.toLocaleString()} of ${total.toLocaleString()}`
      : '';
    /** @type {HTMLButtonElement} */ (byId('prev')).disabled = query.offset === 0;
    /** @type {HTMLButtonElement} */ (byId('next')).disabled = last >= total;
    if (focusedId) list.querySelector(`.row[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  async function loadCollections() {
    try {
      const { collections } = await callAgent('collections.list');
      const select = byId('filter-collection');
      const chosen = /** @type {HTMLSelectElement} */ (select).value;
      fill(
        select,
        h('option', { value: '' }, 'All'),
        ...collections.map((collection) =>
          h('option', { value: String(collection.id) }, collection.name),
        ),
      );
      /** @type {HTMLSelectElement} */ (select).value = collections.some(
        (c) => String(c.id) === chosen,
      )
        ? chosen
        : '';
    } catch {
      // Collections are optional: the list works without the filter.
    }
  }

  function restart() {
    query.offset = 0;
    load();
  }

  let searchTimer = 0;
  byId('search').addEventListener('input', (event) => {
    query.text = /** @type {HTMLInputElement} */ (event.target).value;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(restart, SEARCH_DELAY_MS);
  });
  byId('filters').addEventListener('submit', (event) => event.preventDefault());
  byId('filter-status').addEventListener('change', (event) => {
    query.status = /** @type {HTMLSelectElement} */ (event.target).value;
    restart();
  });
  byId('filter-collection').addEventListener('change', (event) => {
    query.collection = /** @type {HTMLSelectElement} */ (event.target).value;
    restart();
  });
  byId('sort').addEventListener('change', (event) => {
    const [sort, direction] = /** @type {HTMLSelectElement} */ (event.target).value.split(':');
    query.sort = sort;
    query.descending = direction === 'desc';
    restart();
  });
  byId('prev').addEventListener('click', () => {
    query.offset = Math.max(0, query.offset - PAGE_SIZE);
    load();
  });
  byId('next').addEventListener('click', () => {
    query.offset += PAGE_SIZE;
    load();
  });
  byId('badges').addEventListener('keydown', (event) => {
    const rows = [...byId('badges').querySelectorAll('.row')];
    const index = rows.indexOf(/** @type {Element} */ (document.activeElement));
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
    if (!(event.key in moves) || rows.length === 0) return;
    event.preventDefault();
    const target = rows[Math.max(0, Math.min(rows.length - 1, moves[event.key]))];
    /** @type {HTMLElement} */ (target).focus();
  });
  document.addEventListener('keydown', (event) => {
    const typing = /** @type {HTMLElement} */ (event.target).closest?.('input, select, textarea');
    if (event.key === '/' && !typing && !byId('view-list').hidden) {
      event.preventDefault();
      byId('search').focus();
    }
  });

  return {
    load,
    loadCollections,
    /** Reload the current page soon (events come in bursts). */
    reloadSoon() {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(load, 150);
    },
    /** @param {string} id */
    focusRow(id) {
      byId('badges')
        .querySelector(`.row[data-id="${CSS.escape(id)}"]`)
        ?.focus();
    },
  };
}
