// background/router.js and handlers.js: sender checks, envelopes, the handler table.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  PAGE_METHODS,
  createHandlers,
  saveParams,
  saveSummary,
} from '../../extension/background/handlers.js';
import { NativeHostError } from '../../extension/background/native.js';
import { createRouter, senderKind } from '../../extension/background/router.js';
import { ExtensionError, unwrapReply } from '../../extension/lib/messages.js';
import { MAIL_HOSTS } from '../../extension/lib/sites.js';

const ID = 'gjclphckdhebdmajhgpofchhgaogdaed';
const identity = {
  extensionId: ID,
  extensionOrigin: `chrome-extension://${ID}/`,
  contentHosts: MAIL_HOSTS,
};
const popup = { id: ID, url: `chrome-extension://${ID}/extension/popup/popup.html` };
const gmailTab = { id: ID, url: 'https://mail.google.com/mail/u/0/#inbox/FMfcg', tab: { id: 7 } };
const message = (type, params = {}) => ({ v: 1, type, params });

function router(
  call = async () => ({}),
  fetchForPage = async () => ({ data: '', media_type: '' }),
) {
  return createRouter({
    handlers: createHandlers({ call, fetchForPage, version: '0.1.0' }),
    identity,
  });
}

test("the extension's pages and content scripts on mail sites are recognised", () => {
  assert.equal(senderKind(popup, identity), 'extension');
  assert.equal(senderKind({ ...popup, tab: { id: 3 } }, identity), 'extension'); // options in a tab
  assert.equal(senderKind(gmailTab, identity), 'content');
  assert.equal(
    senderKind({ id: ID, url: 'https://outlook.live.com/mail/0/', tab: { id: 2 } }, identity),
    'content',
  );
});

test('other extensions, other sites, and look-alike hosts are refused', () => {
  assert.equal(senderKind({ ...popup, id: 'abcdefghijklmnopabcdefghijklmnop' }, identity), null);
  assert.equal(
    senderKind({ id: ID, url: 'https://evil.example/', tab: { id: 1 } }, identity),
    null,
  );
  assert.equal(
    senderKind({ id: ID, url: 'https://mail.google.com.evil.example/', tab: { id: 1 } }, identity),
    null,
  );
  assert.equal(
    senderKind({ id: ID, url: 'http://mail.google.com/', tab: { id: 1 } }, identity),
    null,
  );
  assert.equal(senderKind({ id: ID, url: 'https://mail.google.com/' }, identity), null); // not from a tab
  assert.equal(
    senderKind({ id: ID, url: `chrome-extension://${'b'.repeat(32)}/x.html` }, identity),
    null,
  );
  assert.equal(senderKind(undefined, identity), null);
});

test('a refused sender gets SENDER_REFUSED before its message is looked at', async () => {
  let called = false;
  const route = router(async () => {
    called = true;
  });
  const reply = await route(message('agent.call', { method: 'badge.list' }), {
    id: 'other',
    url: popup.url,
  });
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'SENDER_REFUSED');
  assert.equal(called, false);
});

test('content scripts cannot call agent methods; pages cannot use content handlers', async () => {
  const route = router();
  assert.equal(
    (await route(message('agent.call', { method: 'badge.list' }), gmailTab)).error.code,
    'SENDER_REFUSED',
  );
  assert.equal(
    (await route(message('page.save', { url: 'https://a.example/b.png' }), popup)).error.code,
    'SENDER_REFUSED',
  );
});

test('malformed and unknown messages are answered in the envelope', async () => {
  const route = router();
  assert.equal((await route({ type: 'host.status' }, popup)).error.code, 'BAD_MESSAGE');
  assert.equal(
    (await route({ v: 1, type: 'host.status', params: [] }, popup)).error.code,
    'BAD_MESSAGE',
  );
  assert.equal((await route(message('no.such'), popup)).error.code, 'UNKNOWN_MESSAGE');
  assert.equal((await route(message('__proto__'), popup)).error.code, 'UNKNOWN_MESSAGE');
  assert.equal((await route(null, popup)).error.code, 'BAD_MESSAGE');
});

test('agent.call passes allowed methods through and refuses the rest', async () => {
  const calls = [];
  const route = router(async (method, params) => {
    calls.push([method, params]);
    return { items: [], total: 0 };
  });
  const reply = await route(
    message('agent.call', { method: 'badge.list', params: { limit: 50 } }),
    popup,
  );
  assert.deepEqual(reply, { v: 1, ok: true, result: { items: [], total: 0 } });
  assert.deepEqual(calls, [['badge.list', { limit: 50 }]]);
  assert.equal(
    (
      await route(
        message('agent.call', { method: 'library.export', params: { path: '/tmp/x.zip' } }),
        popup,
      )
    ).error.code,
    'BAD_MESSAGE',
  );
  assert.ok(!PAGE_METHODS.has('backpack.remove'));
});

test('an agent error keeps its code and message; a missing host adds the install command', async () => {
  const failing = (error) =>
    router(async () => {
      throw error;
    });
  const notFound = await failing(
    new NativeHostError('BADGE_NOT_FOUND', 'No saved badge has this id.'),
  )(message('agent.call', { method: 'badge.get', params: { id: 'ffff' } }), popup);
  assert.deepEqual(notFound.error, {
    code: 'BADGE_NOT_FOUND',
    message: 'No saved badge has this id.',
    command: null,
  });
  const missing = await failing(new NativeHostError('HOST_NOT_INSTALLED', 'Install it.'))(
    message('host.status'),
    gmailTab,
  );
  assert.deepEqual(missing.error, {
    code: 'HOST_NOT_INSTALLED',
    message: 'Install it.',
    command: 'badgekeeper install',
  });
  const forbidden = await failing(new NativeHostError('HOST_FORBIDDEN', 'Other id.'))(
    message('host.status'),
    popup,
  );
  assert.equal(forbidden.error.command, `badgekeeper install --extension-id ${ID}`);
});

test('an unexpected exception becomes INTERNAL_ERROR without its stack', async (t) => {
  t.mock.method(console, 'error', () => {});
  const route = router(async () => {
    throw new TypeError('x is undefined at handlers.js:12');
  });
  const reply = await route(message('host.status'), popup);
  assert.equal(reply.error.code, 'INTERNAL_ERROR');
  assert.ok(!reply.error.message.includes('handlers.js'));
});

test('page.save sends exactly one of data or url, with a cleaned source, and answers a summary', async () => {
  const calls = [];
  const route = router(async (method, params) => {
    calls.push([method, params]);
    return {
      created: true,
      badge: { id: 'e40bc711963c', name: 'Teamwork', status: 'valid', issuer: { name: 'Academy' } },
      verdict: { status: 'valid', errors: [] },
    };
  });
  const source = {
    page_url: 'https://mail.google.com/mail/u/0/#inbox/x',
    mail_subject: 'Hi',
    extra: 'dropped',
    mail_sender: 42,
  };
  const reply = await route(message('page.save', { data: 'iVBORw0KGgo=', source }), gmailTab);
  assert.deepEqual(unwrapReply(reply), {
    created: true,
    status: 'valid',
    errors: [],
    badge: { id: 'e40bc711963c', name: 'Teamwork', issuer: 'Academy' },
  });
  assert.deepEqual(calls, [
    [
      'badge.save',
      { data: 'iVBORw0KGgo=', source: { page_url: source.page_url, mail_subject: 'Hi' } },
    ],
  ]);
  assert.equal(
    (await route(message('page.save', { data: 'x', url: 'https://a.example/' }), gmailTab)).error
      .code,
    'BAD_MESSAGE',
  );
  assert.equal((await route(message('page.save', {}), gmailTab)).error.code, 'BAD_MESSAGE');
  assert.equal(
    (await route(message('page.save', { url: 'file:///etc/passwd' }), gmailTab)).error.code,
    'BAD_MESSAGE',
  );
});

test('page.fetch only reads https addresses', async () => {
  const route = router(undefined, async (url) => ({
    data: 'AAAA',
    media_type: `image/png;${url.length}`,
  }));
  assert.equal(
    (await route(message('page.fetch', { url: 'https://ci3.googleusercontent.com/x' }), gmailTab))
      .ok,
    true,
  );
  assert.equal(
    (await route(message('page.fetch', { url: 'chrome://settings' }), gmailTab)).error.code,
    'BAD_MESSAGE',
  );
  assert.equal(
    (await route(message('page.fetch', { url: 'http://192.168.1.1/reboot' }), gmailTab)).error.code,
    'BAD_MESSAGE',
  );
});

test('saveParams and saveSummary pin the shapes the page relies on', () => {
  assert.deepEqual(saveParams({ url: 'https://api.badgr.example/public/assertions/a/image' }), {
    url: 'https://api.badgr.example/public/assertions/a/image',
    source: {},
  });
  assert.throws(() => saveParams({ data: 12 }), ExtensionError);
  assert.deepEqual(
    saveSummary({
      created: false,
      badge: { id: 'a1b2', status: 'revoked', errors: [{ code: 'REVOKED', message: 'Revoked.' }] },
    }),
    {
      created: false,
      status: 'revoked',
      errors: [{ code: 'REVOKED', message: 'Revoked.' }],
      badge: { id: 'a1b2', name: null, issuer: null },
    },
  );
});

test('an envelope error becomes an ExtensionError with its code and command', () => {
  assert.throws(
    () =>
      unwrapReply({
        v: 1,
        ok: false,
        error: { code: 'HOST_NOT_INSTALLED', message: 'm', command: 'badgekeeper install' },
      }),
    (error) => error.code === 'HOST_NOT_INSTALLED' && error.command === 'badgekeeper install',
  );
  assert.throws(
    () => unwrapReply(undefined),
    (error) => error.code === 'BAD_REPLY',
  );
});
