/**
 * What can be done with one badge in the popup: share, upload, download, check again, add to a
 * collection, delete. Each action shows only when the agent lists its method (`agent.hello`).
 */

import { callAgent } from '../lib/agent_client.js';
import { base64ToBytes } from '../lib/base64.js';
import { fill, h } from '../lib/elements.js';
import { clearNotice, showNotice } from './progress.js';

const SHARE_TARGETS = [
  ['linkedin', 'Add to LinkedIn profile'],
  ['linkedin-post', 'Post on LinkedIn'],
  ['x', 'Post on X'],
  ['facebook', 'Share on Facebook'],
  ['email', 'Send by e-mail'],
];

/** @param {any} error */
function report(error) {
  showNotice(error?.message ?? String(error), { command: error?.command ?? null });
}

/** @param {string} label @param {() => Promise<void> | void} action @param {string} [style] */
function actionButton(label, action, style = 'secondary') {
  const button = h('button', { class: `button ${style}`, type: 'button' }, label);
  button.addEventListener('click', async () => {
    clearNotice();
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      report(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** @param {any} badge @param {HTMLElement} panel */
async function openShare(badge, panel) {
  let share;
  try {
    share = await callAgent('badge.share', { id: badge.id });
  } catch (error) {
    if (error.code !== 'NO_PUBLIC_URL') throw error;
    fill(
      panel,
      h(
        'div',
        { class: 'panel' },
        h(
          'p',
          null,
          'This badge has no public address to share yet. Upload it to a backpack first; its page there is what gets shared.',
        ),
      ),
    );
    return;
  }
  const copy = h('button', { class: 'button secondary', type: 'button' }, 'Copy link');
  copy.addEventListener('click', async () => {
    await navigator.clipboard.writeText(share.url);
    copy.textContent = 'Link copied ✓';
  });
  fill(
    panel,
    h(
      'div',
      { class: 'panel', role: 'region', 'aria-label': 'Share' },
      share.status !== 'valid'
        ? h(
            'p',
            { class: 'reason' },
            `This badge is ${share.status}: people who follow the link will see that.`,
          )
        : null,
      h(
        'div',
        { class: 'share-links' },
        ...SHARE_TARGETS.filter(([target]) => share.links?.[target]).map(([target, label]) =>
          h(
            'a',
            {
              class: 'button secondary',
              href: share.links[target],
              target: '_blank',
              rel: 'noopener noreferrer',
            },
            label,
          ),
        ),
        copy,
      ),
      h('p', { class: 'check-detail' }, share.url),
    ),
  );
}

/** @param {any} badge @param {HTMLElement} panel @param {() => void} refresh */
async function upload(badge, panel, refresh) {
  const { backpacks } = await callAgent('backpack.list');
  if (!backpacks.length) {
    fill(
      panel,
      h(
        'div',
        { class: 'panel' },
        h(
          'p',
          null,
          'Connect a backpack first, in ',
          h('a', { href: '../options/options.html#backpacks', target: '_blank' }, 'Settings'),
          '.',
        ),
      ),
    );
    return;
  }
  const { uploads } = await callAgent('badge.upload', { id: badge.id });
  const names = uploads.map((item) => item.backpack).join(', ');
  showNotice(names ? `Queued for upload to ${names}.` : 'Already uploaded.', { info: true });
  refresh();
}

/** @param {any} badge */
async function download(badge) {
  let file;
  try {
    file = await callAgent('badge.export', { id: badge.id });
  } catch (error) {
    if (error.code === 'RESULT_TOO_LARGE') {
      showNotice(
        'This badge is too large to hand over through the browser. Run this in a terminal instead:',
        { command: `badgekeeper export ${badge.id}` },
      );
      return;
    }
    throw error;
  }
  const url = URL.createObjectURL(new Blob([base64ToBytes(file.data)], { type: file.media_type }));
  const link = h('a', { href: url, download: file.filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** @param {any} badge @param {HTMLElement} panel @param {(id: string) => void} onDeleted */
function confirmDelete(badge, panel, onDeleted) {
  const remove = actionButton(
    'Delete',
    async () => {
      await callAgent('badge.delete', { id: badge.id });
      onDeleted(badge.id);
    },
    'danger',
  );
  const keep = h(
    'button',
    { class: 'button secondary', type: 'button', onclick: () => fill(panel) },
    'Keep it',
  );
  fill(
    panel,
    h(
      'div',
      { class: 'panel confirm', role: 'alertdialog', 'aria-label': 'Delete this badge?' },
      h(
        'p',
        null,
        `Delete ${badge.name ? `“${badge.name}”` : 'this badge'} from your library? Its saved image goes too; the issuer still has it.`,
      ),
      h('div', { class: 'actions' }, remove, keep),
    ),
  );
  keep.focus();
}

/**
 * The row of action buttons; panels open in `panel`.
 * @param {{badge: any, methods: Set<string>, panel: HTMLElement, refresh: () => void}} options
 */
export function actionButtons({ badge, methods, panel, refresh }) {
  const buttons = [];
  if (methods.has('badge.share'))
    buttons.push(actionButton('Share', () => openShare(badge, panel), 'button'));
  if (methods.has('badge.upload') && methods.has('backpack.list'))
    buttons.push(actionButton('Upload', () => upload(badge, panel, refresh)));
  if (methods.has('badge.export')) buttons.push(actionButton('Download', () => download(badge)));
  if (methods.has('badge.verify')) {
    buttons.push(
      actionButton('Re-check', async () => {
        await callAgent('badge.verify', { id: badge.id });
        refresh();
      }),
    );
  }
  return h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Badge actions' }, ...buttons);
}

/**
 * Delete, at the end of the details, away from everyday actions; it asks first.
 * @param {{badge: any, methods: Set<string>, onDeleted: (id: string) => void}} options
 */
export function deleteSection({ badge, methods, onDeleted }) {
  if (!methods.has('badge.delete')) return null;
  const panel = h('div');
  return h(
    'section',
    { class: 'danger-zone', 'aria-label': 'Delete' },
    actionButton(
      'Delete from library',
      () => confirmDelete(badge, panel, onDeleted),
      'secondary danger-outline',
    ),
    panel,
  );
}

/**
 * The badge's collections, with a way to add it to another (or a new) one.
 * @param {{badge: any, methods: Set<string>, refresh: () => void}} options
 */
export function collectionsSection({ badge, methods, refresh }) {
  if (!methods.has('collections.add') || !methods.has('collections.list')) return null;
  const chips = (badge.collections ?? []).map((collection) => {
    const remove = methods.has('collections.remove')
      ? h(
          'button',
          {
            class: 'link-button',
            type: 'button',
            'aria-label': `Remove from ${collection.name}`,
            onclick: async () => {
              try {
                await callAgent('collections.remove', { id: collection.id, badge_id: badge.id });
                refresh();
              } catch (error) {
                report(error);
              }
            },
          },
          '×',
        )
      : null;
    return h('span', { class: 'chip', 'data-tone': 'neutral' }, collection.name, remove);
  });
  const select = h(
    'select',
    { 'aria-label': 'Collection' },
    h('option', { value: '' }, 'Add to a collection…'),
  );
  const newName = h('input', {
    type: 'text',
    placeholder: 'or a new collection',
    'aria-label': 'New collection name',
    maxlength: '200',
  });
  callAgent('collections.list').then(({ collections }) => {
    const mine = new Set((badge.collections ?? []).map((collection) => collection.id));
    select.append(
      ...collections
        .filter((collection) => !mine.has(collection.id))
        .map((collection) => h('option', { value: String(collection.id) }, collection.name)),
    );
  }, report);
  const add = actionButton('Add', async () => {
    let id = /** @type {HTMLSelectElement} */ (select).value;
    const name = /** @type {HTMLInputElement} */ (newName).value.trim();
    if (name && methods.has('collections.create'))
      id = String((await callAgent('collections.create', { name })).collection.id);
    if (!id) return;
    await callAgent('collections.add', { id: Number(id), badge_id: badge.id });
    refresh();
  });
  return h(
    'section',
    { 'aria-label': 'Collections' },
    h('h3', null, 'Collections'),
    chips.length ? h('div', { class: 'collection-chips' }, ...chips) : null,
    h(
      'div',
      { class: 'inline-form' },
      select,
      methods.has('collections.create') ? newName : null,
      add,
    ),
  );
}
