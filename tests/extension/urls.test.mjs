// lib/urls.js: Gmail proxy decoding, Badgr assertion images, format hints, attachment addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  badgrAssertionUrl,
  formatHint,
  gmailProxyOriginal,
  imageSources,
  isFetchable,
  parseGmailDownloadUrl,
} from '../../extension/lib/urls.js';

const PROXY = 'https://ci3.googleusercontent.com/proxy/5h0rt_Kq9E6XkW0=s0-d-e1-ft';
const MEIPS = 'https://ci5.googleusercontent.com/meips/ADKq_Nb7xL2v=s0-d-e1-ft';

test('the original address after # is read from both proxy forms', () => {
  assert.equal(
    gmailProxyOriginal(`${PROXY}#https://issuer.example/badges/42.png`),
    'https://issuer.example/badges/42.png',
  );
  assert.equal(
    gmailProxyOriginal(`${MEIPS}#http://issuer.example/a?b=1&c=2#frag`),
    'http://issuer.example/a?b=1&c=2#frag',
  );
});

test('a percent-encoded original is decoded', () => {
  assert.equal(
    gmailProxyOriginal(`${PROXY}#https%3A%2F%2Fissuer.example%2Fb.png`),
    'https://issuer.example/b.png',
  );
});

test("anything that is not Gmail's proxy with an http(s) original gives null", () => {
  assert.equal(
    gmailProxyOriginal('https://issuer.example/proxy/x#https://other.example/b.png'),
    null,
  );
  assert.equal(
    gmailProxyOriginal('https://lh3.googleusercontent.com/proxy/x#https://a.example/b.png'),
    null,
  );
  assert.equal(gmailProxyOriginal(`${PROXY}#javascript:alert(1)`), null);
  assert.equal(gmailProxyOriginal(`${PROXY}`), null);
  assert.equal(
    gmailProxyOriginal('http://ci3.googleusercontent.com/proxy/x#https://a.example/b.png'),
    null,
  );
  assert.equal(gmailProxyOriginal('not a url'), null);
});

test('image sources put the original before the proxy', () => {
  const src = `${MEIPS}#https://issuer.example/b.png`;
  assert.deepEqual(imageSources(src), {
    original: 'https://issuer.example/b.png',
    fetchUrls: ['https://issuer.example/b.png', src],
  });
  assert.deepEqual(imageSources('https://issuer.example/b.png'), {
    original: 'https://issuer.example/b.png',
    fetchUrls: ['https://issuer.example/b.png'],
  });
});

test('Badgr-style assertion images name their hosted assertion', () => {
  assert.equal(
    badgrAssertionUrl('https://api.badgr.io/public/assertions/AbC-12_x/image'),
    'https://api.badgr.io/public/assertions/AbC-12_x',
  );
  assert.equal(
    badgrAssertionUrl('https://api.badgr.io/public/assertions/AbC/image/?v=2'),
    'https://api.badgr.io/public/assertions/AbC',
  );
  assert.equal(
    badgrAssertionUrl('http://127.0.0.1:8123/public/assertions/9f/image'),
    'http://127.0.0.1:8123/public/assertions/9f',
  );
  assert.equal(badgrAssertionUrl('https://api.badgr.io/public/assertions/AbC'), null);
  assert.equal(badgrAssertionUrl('https://api.badgr.io/public/badges/AbC/image'), null);
  assert.equal(badgrAssertionUrl('ftp://x.example/public/assertions/a/image'), null);
});

test('format hints rule out raster formats that cannot carry a badge', () => {
  assert.equal(formatHint('https://a.example/logo.JPG'), 'no');
  assert.equal(formatHint('https://a.example/anim.gif?x=1'), 'no');
  assert.equal(formatHint('https://a.example/b.png'), 'yes');
  assert.equal(formatHint('https://a.example/b.svg'), 'yes');
  assert.equal(formatHint('https://a.example/image?id=3'), 'unknown');
  assert.equal(formatHint('data:image/png;base64,iVBOR'), 'yes');
  assert.equal(formatHint('data:image/jpeg;base64,/9j/'), 'no');
});

test('only http(s), data: and blob: addresses are fetchable', () => {
  assert.ok(isFetchable('https://a.example/b.png'));
  assert.ok(isFetchable('data:image/png;base64,AAAA'));
  assert.ok(isFetchable('blob:https://mail.google.com/7d1c'));
  assert.ok(!isFetchable('cid:image001.png@01DA'));
  assert.ok(!isFetchable('javascript:alert(1)'));
  assert.ok(!isFetchable(''));
});

test('Gmail attachment download_url is split into type, name and address', () => {
  const value =
    'image/png:Teamwork badge.png:https://mail.google.com/mail/u/0?ui=2&ik=1a2b&attid=0.1&view=att&disp=safe';
  assert.deepEqual(parseGmailDownloadUrl(value), {
    mediaType: 'image/png',
    name: 'Teamwork badge.png',
    url: 'https://mail.google.com/mail/u/0?ui=2&ik=1a2b&attid=0.1&view=att&disp=safe',
  });
  assert.equal(parseGmailDownloadUrl('image/png:x.png:javascript:alert(1)'), null);
  assert.equal(parseGmailDownloadUrl(null), null);
});
