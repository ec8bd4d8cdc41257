// Notifications, sync and the context menu's choice of what to save, with fake browser APIs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  MENU_ID,
  badgeSaveInput,
  createMenuHandler,
} from '../../extension/background/context_menu.js';
import {
  badgeOfNotification,
  notesFor,
  showNotes,
} from '../../extension/background/notifications.js';
import { SYNC_ALARM, runSync, scheduleSync, syncMethod } from '../../extension/background/sync.js';
import { mergePreferences } from '../../extension/lib/preferences.js';
import { ASSERTION, idat, iend, ihdr, itxt, png } from './helpers.mjs';

const NOW = Date.parse('2026-11-27T06:00:00Z');
const badge = (extra = {}) => ({
  id: 'e40bc711963c',
  name: 'Teamwork',
  status: 'valid',
  issuer: { name: 'Academy' },
  errors: [],
  expires: null,
  ...extra,
});

test('a new badge saved and verified is announced once, a re-save is not', () => {
  const [note] = notesFor('badge.saved', { badge: badge(), created: true, status: 'valid' }, NOW);
  assert.equal(note.title, 'Badge saved and verified ✓');
  assert.equal(note.message, '“Teamwork” from Academy is in your library.');
  assert.deepEqual(
    notesFor('badge.saved', { badge: badge(), created: false, status: 'valid' }, NOW),
    [],
  );
});

test('a saved badge that is not valid says why', () => {
  const errors = [
    {
      code: 'RECIPIENT_MISMATCH',
      message: 'Issued to another address; add it under My addresses.',
    },
  ];
  const [note] = notesFor(
    'badge.saved',
    { badge: badge({ status: 'invalid', errors }), created: true, status: 'invalid' },
    NOW,
  );
  assert.equal(note.title, 'Badge saved: Invalid');
  assert.match(note.message, /add it under My addresses/);
});

test('a badge that becomes revoked is told; an unchanged status is not', () => {
  const revoked = badge({
    status: 'revoked',
    errors: [{ code: 'REVOKED', message: 'The issuer has revoked this badge.' }],
  });
  const [note] = notesFor(
    'badge.verified',
    { badge: revoked, status: 'revoked', previous: 'valid' },
    NOW,
  );
  assert.equal(note.title, '“Teamwork” was revoked');
  assert.equal(note.key, 'revoked:e40bc711963c');
  assert.deepEqual(
    notesFor('badge.verified', { badge: revoked, status: 'revoked', previous: 'revoked' }, NOW),
    [],
  );
});

test('a valid badge expiring within 30 days is told once, across restarts', async () => {
  const expiring = badge({ expires: '2026-12-10T00:00:00Z' });
  const notes = notesFor(
    'badge.verified',
    { badge: expiring, status: 'valid', previous: 'valid' },
    NOW,
  );
  assert.deepEqual(
    notes.map((note) => [note.title, note.once]),
    [['“Teamwork” expires soon', true]],
  );
  assert.deepEqual(
    notesFor(
      'badge.verified',
      { badge: badge({ expires: '2027-06-01T00:00:00Z' }), status: 'valid', previous: 'valid' },
      NOW,
    ),
    [],
  );

  const stored = {};
  const shown = [];
  const api = {
    storage: {
      local: {
        get: async (key) => ({ [key]: stored[key] }),
        set: async (values) => Object.assign(stored, values),
      },
    },
    notifications: { create: async (id, options) => shown.push([id, options.title]) },
    runtime: { getURL: (path) => `chrome-extension://x/${path}` },
  };
  await showNotes(api, notes);
  await showNotes(api, notes);
  assert.deepEqual(shown, [
    ['badgekeeper:expiring:e40bc711963c:2026-12-10T00:00:00Z', '“Teamwork” expires soon'],
  ]);
});

test("an upload that failed for good is told with the backpack's reason; a passing failure is not", () => {
  const error = {
    code: 'BACKPACK_RECIPIENT_MISMATCH',
    message: 'Add and verify ada@home.example in the backpack.',
  };
  const [note] = notesFor(
    'upload.failed',
    { badge_id: 'e40bc711963c', backpack: 'badgr', error, final: true },
    NOW,
  );
  assert.equal(note.title, 'Upload to badgr failed');
  assert.equal(note.message, error.message);
  assert.deepEqual(
    notesFor(
      'upload.failed',
      { badge_id: 'e40bc711963c', backpack: 'badgr', error, final: false },
      NOW,
    ),
    [],
  );
});

test('a notification id leads back to its badge', () => {
  assert.equal(badgeOfNotification('badgekeeper:revoked:e40bc711963c'), 'e40bc711963c');
  assert.equal(badgeOfNotification('badgekeeper:upload:e40bc711963c:badgr'), 'e40bc711963c');
  assert.equal(badgeOfNotification('badgekeeper:failure:1732690000000'), null);
  assert.equal(badgeOfNotification('other:saved:e40bc711963c'), null);
});

test('sync uses sync.run when the agent has it, else upload.drain, else nothing', async () => {
  assert.equal(syncMethod(['agent.hello', 'upload.drain', 'sync.run']), 'sync.run');
  assert.equal(syncMethod(['agent.hello', 'upload.drain']), 'upload.drain');
  assert.equal(syncMethod(['agent.hello']), null);
  const calls = [];
  const call = async (method) => {
    calls.push(method);
    return method === 'agent.hello' ? { methods: ['upload.drain'] } : { uploads: [] };
  };
  assert.deepEqual(await runSync(call), { method: 'upload.drain', result: { uploads: [] } });
  assert.deepEqual(calls, ['agent.hello', 'upload.drain']);
});

test('the sync alarm is re-created only when its period changes', async () => {
  const alarms = new Map();
  const api = {
    alarms: {
      get: async (name) => alarms.get(name),
      clear: async (name) => alarms.delete(name),
      create: async (name, info) => alarms.set(name, { name, ...info }),
    },
  };
  assert.equal(await scheduleSync(api, 30), true);
  assert.deepEqual(alarms.get(SYNC_ALARM), {
    name: SYNC_ALARM,
    delayInMinutes: 30,
    periodInMinutes: 30,
  });
  assert.equal(await scheduleSync(api, 30), false);
  assert.equal(await scheduleSync(api, 60), true);
  assert.equal(alarms.get(SYNC_ALARM).periodInMinutes, 60);
});

test('stored preferences fall back to defaults key by key', () => {
  assert.deepEqual(mergePreferences(undefined), {
    auto_upload: false,
    sync_interval_minutes: 30,
    inline_button_sites: ['gmail', 'outlook'],
  });
  assert.deepEqual(
    mergePreferences({
      auto_upload: 'yes',
      sync_interval_minutes: 2,
      inline_button_sites: ['gmail', 3],
    }),
    { auto_upload: false, sync_interval_minutes: 30, inline_button_sites: ['gmail'] },
  );
  assert.equal(mergePreferences({ sync_interval_minutes: 15 }).sync_interval_minutes, 15);
});

/** A fake `chrome` whose executeScript answers from `pages` (URL → base64 or failure). */
function fakeApi(pages) {
  const sent = [];
  return {
    sent,
    scripting: {
      executeScript: async ({ args: [url] }) => {
        if (!(url in pages)) throw new Error('Cannot access contents of the page.');
        const data = pages[url];
        return [
          {
            result:
              data === null
                ? { ok: false, code: 'FETCH_FAILED', message: 'CORS' }
                : { ok: true, data },
          },
        ];
      },
    },
    tabs: { sendMessage: async (tabId, message) => sent.push([tabId, message]) },
  };
}

const BADGE_PNG = Buffer.from(png(ihdr(), itxt('openbadges', ASSERTION), idat(), iend())).toString(
  'base64',
);
const PLAIN_PNG = Buffer.from(png(ihdr(), idat(), iend())).toString('base64');

test('the menu reads a proxied badge from its original address inside the tab', async () => {
  const original = 'https://academy.example/b.png';
  const srcUrl = `https://ci3.googleusercontent.com/meips/x#${original}`;
  const api = fakeApi({ [original]: BADGE_PNG, [srcUrl]: PLAIN_PNG });
  assert.deepEqual(await badgeSaveInput(api, { srcUrl, frameId: 0 }, 4), {
    data: BADGE_PNG,
    original,
  });
});

test('the menu falls back to the proxy copy, then to the address for the agent', async () => {
  const original = 'https://academy.example/b.png';
  const srcUrl = `https://ci3.googleusercontent.com/meips/x#${original}`;
  assert.deepEqual(
    await badgeSaveInput(fakeApi({ [original]: null, [srcUrl]: BADGE_PNG }), { srcUrl }, 4),
    { data: BADGE_PNG, original },
  );
  assert.deepEqual(await badgeSaveInput(fakeApi({ [original]: PLAIN_PNG }), { srcUrl }, 4), {
    url: original,
    original,
  });
  assert.deepEqual(
    await badgeSaveInput(fakeApi({}), { srcUrl: 'data:image/png;base64,AAAA' }, 4),
    null,
  );
  assert.deepEqual(
    await badgeSaveInput(
      fakeApi({ 'data:image/png;base64,AAAA': PLAIN_PNG }),
      { srcUrl: 'data:image/png;base64,AAAA' },
      4,
    ),
    { data: PLAIN_PNG, original: 'data:image/png;base64,AAAA' },
  );
});

test('a Badgr assertion image is saved from its address without reading it', async () => {
  const srcUrl = 'https://api.badgr.example/public/assertions/qL7x2/image';
  assert.deepEqual(await badgeSaveInput(fakeApi({}), { srcUrl }, 4), {
    url: srcUrl,
    original: srcUrl,
  });
});

test('the menu handler saves with the page as source, tells the tab, and reports failures', async () => {
  const srcUrl = 'https://academy.example/b.png';
  const api = fakeApi({ [srcUrl]: BADGE_PNG });
  const calls = [];
  const reported = [];
  const handler = createMenuHandler({
    api,
    call: async (method, params) => {
      calls.push([method, params]);
      return {
        created: true,
        badge: { id: 'e40bc711963c', name: 'Teamwork', status: 'valid' },
        verdict: { errors: [] },
      };
    },
    reportFailure: async (title, error) => reported.push(error.code),
  });
  const outcome = await handler(
    { menuItemId: MENU_ID, srcUrl, pageUrl: 'https://academy.example/earned' },
    { id: 4, url: 'https://academy.example/earned' },
  );
  assert.equal(outcome.ok, true);
  assert.equal(outcome.status, 'valid');
  assert.deepEqual(calls, [
    [
      'badge.save',
      {
        data: BADGE_PNG,
        source: { page_url: 'https://academy.example/earned', image_url: srcUrl },
      },
    ],
  ]);
  assert.equal(api.sent[0][1].type, 'page.saved');

  const failing = createMenuHandler({
    api,
    call: async () => {
      throw Object.assign(new Error('Install it.'), { code: 'HOST_NOT_INSTALLED' });
    },
    reportFailure: async (title, error) => reported.push(error.code),
  });
  const failed = await failing({ menuItemId: MENU_ID, srcUrl }, { id: 4 });
  assert.deepEqual([failed.ok, failed.code], [false, 'HOST_NOT_INSTALLED']);
  assert.deepEqual(reported, ['HOST_NOT_INSTALLED']);
  assert.equal((await failing({ menuItemId: 'other', srcUrl }, { id: 4 })).ok, false);
});

test("sync's badge.expiring is told once, like an expiry seen on a check", () => {
  const [note] = notesFor(
    'badge.expiring',
    {
      badge_id: 'e40bc711963c',
      name: 'Teamwork',
      status: 'valid',
      expires: '2026-12-10T00:00:00Z',
    },
    NOW,
  );
  assert.equal(note.title, '“Teamwork” expires soon');
  assert.equal(note.key, 'expiring:e40bc711963c:2026-12-10T00:00:00Z');
  assert.equal(note.once, true);
});

test('an upload is news when it got through after failing, not when it went at once', () => {
  const done = (attempts) => ({
    badge_id: 'e40bc711963c',
    backpack: 'sandbox',
    upload: { state: 'done', attempts },
    duplicate: false,
  });
  assert.deepEqual(notesFor('upload.done', done(1), NOW), []);
  const [note] = notesFor('upload.done', done(3), NOW);
  assert.equal(note.title, 'Uploaded to sandbox');
  assert.match(note.message, /after 3 tries/);
  assert.equal(note.badgeId, 'e40bc711963c');
});
