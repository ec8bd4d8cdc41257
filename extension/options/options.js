/**
 * The options page: my e-mail addresses, backpack connections, auto-upload, the sync interval,
 * the sites that get the inline button, and read access to images on other sites.
 *
 * The agent owns every setting (`settings.*`, `emails.*`, `backpack.*`); this page shows them,
 * changes them there, and follows `settings.changed` and `backpack.connected` events. Sections
 * whose methods the agent lacks are hidden.
 */

import { callAgent, hostStatus, listenToAgent } from '../lib/agent_client.js';
import { fill, h } from '../lib/elements.js';
import { SITES } from '../lib/sites.js';
import { installCommand } from '../lib/status.js';

const api = globalThis.browser ?? globalThis.chrome;
const ANY_SITE = { origins: ['https://*/*'] };

/** @param {string} id */
const byId = (id) => /** @type {any} */ (document.getElementById(id));

/** @param {any} error */
function report(error) {
  const notice = byId('notice');
  notice.hidden = false;
  notice.textContent = error?.message ?? String(error);
}

function saved() {
  byId('notice').hidden = true;
  byId('saved').textContent = 'Saved ✓';
  setTimeout(() => {
    byId('saved').textContent = '';
  }, 2000);
}

/** @param {() => Promise<any>} change */
async function apply(change) {
  try {
    await change();
    saved();
  } catch (error) {
    report(error);
  }
}

/** @param {{emails: string[], preferences: any}} settings */
function showSettings(settings) {
  fill(
    byId('emails'),
    ...settings.emails.map((address) =>
      h(
        'li',
        null,
        h('span', null, address),
        h(
          'button',
          {
            class: 'button secondary',
            type: 'button',
            'aria-label': `Remove ${address}`,
            onclick: () => apply(() => callAgent('emails.remove', { address })),
          },
          'Remove',
        ),
      ),
    ),
  );
  if (settings.emails.length === 0)
    byId('emails').append(
      h(
        'li',
        { class: 'muted' },
        'No address yet: badges are saved, but whom they were issued to is not checked.',
      ),
    );
  const preferences = settings.preferences;
  byId('auto-upload').checked = Boolean(preferences.auto_upload);
  const interval = String(preferences.sync_interval_minutes);
  const select = byId('sync-interval');
  if (![...select.options].some((option) => option.value === interval)) {
    select.append(h('option', { value: interval }, `${interval} minutes`));
  }
  select.value = interval;
  fill(
    byId('sites'),
    ...SITES.map((site) =>
      h(
        'label',
        { class: 'check-row' },
        h('input', {
          type: 'checkbox',
          checked: preferences.inline_button_sites.includes(site.name),
          onchange: (event) => {
            const chosen = SITES.filter((other) =>
              other.name === site.name
                ? event.target.checked
                : preferences.inline_button_sites.includes(other.name),
            ).map((other) => other.name);
            apply(() =>
              callAgent('settings.set', { preferences: { inline_button_sites: chosen } }),
            );
          },
        }),
        h('span', null, site.label),
      ),
    ),
  );
  for (const input of byId('sites').querySelectorAll('input'))
    input.checked = input.hasAttribute('checked');
}

/** @param {any} backpack */
function backpackRow(backpack) {
  const state =
    { connected: 'Connected', not_connected: 'Not connected', reconnect: 'Sign in again' }[
      backpack.status
    ] ?? backpack.status;
  const who = backpack.account ? ` as ${backpack.account}` : '';
  const canConnect = backpack.status !== 'connected' && backpack.kind !== 'badgr';
  return h(
    'li',
    null,
    h(
      'span',
      null,
      h('strong', null, backpack.name),
      ` — ${backpack.kind_label ?? backpack.kind}`,
      h('span', { class: 'check-detail' }, `${state}${who}${backpack.default ? ' · default' : ''}`),
    ),
    canConnect
      ? h(
          'button',
          { class: 'button', type: 'button', onclick: () => connect(backpack.name) },
          backpack.connecting ? 'Waiting…' : 'Connect',
        )
      : null,
  );
}

/** @param {string} name */
async function connect(name) {
  try {
    const started = await callAgent('backpack.connect', { name });
    await api.tabs.create({ url: started.authorization_url });
  } catch (error) {
    report(error);
  }
}

async function loadBackpacks() {
  const { backpacks } = await callAgent('backpack.list');
  fill(byId('backpacks'), ...backpacks.map(backpackRow));
  byId('no-backpacks').hidden = backpacks.length > 0;
}

async function setupSiteAccess() {
  const box = byId('all-sites');
  box.checked = await api.permissions.contains(ANY_SITE);
  box.addEventListener('change', async () => {
    const granted = box.checked
      ? await api.permissions.request(ANY_SITE)
      : !(await api.permissions.remove(ANY_SITE));
    box.checked = granted;
    saved();
  });
}

/** @param {any} error */
function showHostProblem(error) {
  byId('host-problem').hidden = false;
  byId('settings').hidden = true;
  byId('host-text').textContent = error.message;
  byId('host-command').textContent =
    error.command ?? installCommand(error.code, api.runtime.id) ?? 'badgekeeper doctor';
}

async function boot() {
  let status;
  try {
    status = await hostStatus();
  } catch (error) {
    showHostProblem(error);
    return;
  }
  byId('host-problem').hidden = true;
  const methods = new Set(status.methods);
  showSettings(await callAgent('settings.get'));
  byId('settings').hidden = false;
  byId('backpacks-section').hidden = !methods.has('backpack.list');
  if (methods.has('backpack.list')) await loadBackpacks().catch(report);

  byId('settings').addEventListener('submit', (event) => event.preventDefault());
  const addEmail = () => {
    const address = byId('new-email').value.trim();
    if (!address) return;
    apply(async () => {
      await callAgent('emails.add', { address });
      byId('new-email').value = '';
    });
  };
  byId('add-email').addEventListener('click', addEmail);
  byId('new-email').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addEmail();
    }
  });
  byId('auto-upload').addEventListener('change', (event) =>
    apply(() => callAgent('settings.set', { preferences: { auto_upload: event.target.checked } })),
  );
  byId('sync-interval').addEventListener('change', (event) =>
    apply(() =>
      callAgent('settings.set', {
        preferences: { sync_interval_minutes: Number(event.target.value) },
      }),
    ),
  );
  await setupSiteAccess();

  listenToAgent((event, params) => {
    if (event === 'settings.changed') showSettings(params);
    if (event === 'backpack.connected' && methods.has('backpack.list'))
      loadBackpacks().catch(report);
  });
  document.body.dataset.ready = 'true';
}

byId('host-retry').addEventListener('click', boot);
boot();
