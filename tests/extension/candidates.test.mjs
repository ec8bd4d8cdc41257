// lib/candidates.js and the site adapters' selection, on saved DOM snippets parsed by linkedom.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseHTML } from 'linkedom';

import {
  MAX_PER_MESSAGE,
  attachmentCandidate,
  imageCandidate,
  limitCandidates,
} from '../../extension/lib/candidates.js';
import * as gmail from '../../extension/sites/gmail.js';
import * as outlook from '../../extension/sites/outlook.js';

/** @param {string} name */
function snippet(name) {
  const html = readFileSync(new URL(`snippets/${name}`, import.meta.url), 'utf8');
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
}

test('a proxied image is read from its original first, then from the proxy', () => {
  const src = 'https://ci3.googleusercontent.com/meips/x=s0#https://academy.example/b.png';
  assert.deepEqual(imageCandidate({ src, width: 200, height: 200 }), {
    kind: 'bytes',
    imageUrl: 'https://academy.example/b.png',
    fetchUrls: ['https://academy.example/b.png', src],
  });
});

test('tiny images, raster formats and unreadable addresses are not candidates', () => {
  assert.equal(imageCandidate({ src: 'https://a.example/px.png', width: 1, height: 1 }), null);
  assert.equal(
    imageCandidate({ src: 'https://a.example/icon.png', width: 16, height: null }),
    null,
  );
  assert.equal(
    imageCandidate({ src: 'https://a.example/photo.jpeg', width: 600, height: 400 }),
    null,
  );
  assert.equal(imageCandidate({ src: 'cid:image001.png@01DA', width: 100, height: 100 }), null);
  assert.equal(imageCandidate({ src: '', width: 100, height: 100 }), null);
});

test('an image of unknown size and format is still a candidate', () => {
  const candidate = imageCandidate({
    src: 'https://cdn.example/image?id=7',
    width: null,
    height: null,
  });
  assert.equal(candidate?.kind, 'bytes');
});

test('a Badgr assertion image is a badge by its address', () => {
  const src =
    'https://ci4.googleusercontent.com/proxy/Xq9#https://api.badgr.example/public/assertions/qL7x2/image';
  assert.deepEqual(imageCandidate({ src, width: 120, height: 120 }), {
    kind: 'assertion',
    imageUrl: 'https://api.badgr.example/public/assertions/qL7x2/image',
    saveUrl: 'https://api.badgr.example/public/assertions/qL7x2/image',
  });
});

test('attachments count by type or by name', () => {
  assert.equal(
    attachmentCandidate({ mediaType: 'image/png', name: 'x', url: 'https://m.example/a' })?.kind,
    'bytes',
  );
  assert.equal(
    attachmentCandidate({ mediaType: null, name: 'badge.SVG', url: 'https://m.example/a' })?.kind,
    'bytes',
  );
  assert.equal(
    attachmentCandidate({
      mediaType: 'application/pdf',
      name: 'c.pdf',
      url: 'https://m.example/a',
    }),
    null,
  );
  assert.equal(
    attachmentCandidate({ mediaType: 'image/png', name: 'x.png', url: 'javascript:1' }),
    null,
  );
});

test('candidates are capped per message and unique per address', () => {
  const found = Array.from({ length: 100 }, (_, index) => ({
    candidate: { imageUrl: `https://a.example/${index % 60}.png` },
  }));
  const kept = limitCandidates(found);
  assert.equal(kept.length, MAX_PER_MESSAGE);
  assert.equal(new Set(kept.map((item) => item.candidate.imageUrl)).size, MAX_PER_MESSAGE);
});

test('in a Gmail message: the badge, the logo and the Badgr image are candidates; photo, pixel and cid: are not', () => {
  const document = snippet('gmail_message.html');
  const message = document.querySelector(gmail.SELECTORS.message);
  const found = gmail.findImages(message);
  assert.deepEqual(
    found.map((item) => [
      item.element.getAttribute('alt'),
      item.candidate.kind,
      item.candidate.imageUrl,
    ]),
    [
      ['Sandbox Academy', 'bytes', 'https://academy.example/logo.png'],
      ['Teamwork', 'bytes', 'https://academy.example/badges/teamwork-4f2a.png'],
      [
        'Python Foundations',
        'assertion',
        'https://api.badgr.example/public/assertions/qL7x2/image',
      ],
      [
        '',
        'bytes',
        'https://mail.google.com/mail/u/0?ui=2&ik=1a2b3c&attid=0.1&permmsgid=msg-f:1790012345678901234&th=18d6a2b3c4d5e6f7&view=att&disp=safe&realattid=f_lx1',
      ],
    ],
  );
  // The attachment's preview image is what gets marked, the download address what is read.
  assert.equal(found[3].element.className, 'aQG aYB');
});

test('a Gmail message gives its subject, sender and date for the source', () => {
  const document = snippet('gmail_message.html');
  assert.deepEqual(gmail.mailContext(document.querySelector(gmail.SELECTORS.message)), {
    mail_subject: 'You earned the Teamwork badge',
    mail_sender: 'Sandbox Academy <badges@academy.example>',
    mail_date: 'Tue, Nov 24, 2026, 9:00 AM',
  });
});

test('in Outlook: body images and the SVG attachment are candidates, the GIF and the .docx are not', () => {
  const document = snippet('outlook_reading_pane.html');
  const body = document.querySelector(outlook.SELECTORS.body);
  assert.deepEqual(
    outlook.findImages(body).map((item) => item.candidate.imageUrl),
    ['https://academy.example/badges/safety-91c.png', 'https://academy.example/footer-logo.png'],
  );
  const list = document.querySelector(outlook.SELECTORS.attachmentList);
  const attachments = outlook.findImages(list);
  assert.deepEqual(
    attachments.map((item) => item.candidate.imageUrl),
    ['https://outlook.office.com/owa/service.svc/s/GetFileAttachment?id=AAMk1&X-OWA-CANARY=x1'],
  );
  assert.equal(attachments[0].element.tagName, 'IMG');
});

test('an Outlook message gives its subject, sender and date for the source', () => {
  const document = snippet('outlook_reading_pane.html');
  assert.deepEqual(outlook.mailContext(document.querySelector(outlook.SELECTORS.body)), {
    mail_subject: 'Your Lab Safety credential',
    mail_sender: 'Sandbox Academy <credentials@academy.example>',
    mail_date: 'Tue 11/24/2026 9:00 AM',
  });
});
