// lib/sniff.js: Open Badges markers in PNG chunks and SVG roots, on bytes built here.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SNIFF_LIMIT, sniffBadge } from '../../extension/lib/sniff.js';
import {
  ASSERTION,
  bytes,
  chunk,
  idat,
  iend,
  ihdr,
  itxt,
  png,
  textChunk,
  ztxt,
} from './helpers.mjs';

test('an OB 2.0 iTXt chunk before the image data makes a PNG a badge', () => {
  const result = sniffBadge(png(ihdr(), itxt('openbadges', ASSERTION), idat(), iend()));
  assert.deepEqual(result, { badge: true, container: 'png', spec: 'ob2', reason: 'iTXt chunk' });
});

test('an OB 3.0 chunk after the image data is found too', () => {
  const result = sniffBadge(
    png(ihdr(), idat(5000), itxt('openbadgecredential', 'eyJhbGciOi.x.y'), iend()),
  );
  assert.equal(result.badge, true);
  assert.equal(result.spec, 'ob3');
});

test('legacy tEXt and compressed zTXt chunks count', () => {
  assert.equal(
    sniffBadge(png(ihdr(), textChunk('openbadges', 'https://issuer.example/a/1'), idat(), iend()))
      .badge,
    true,
  );
  assert.equal(sniffBadge(png(ihdr(), ztxt('openbadges', ASSERTION), idat(), iend())).badge, true);
});

test('a plain PNG, or one with other text chunks, is no badge', () => {
  assert.deepEqual(sniffBadge(png(ihdr(), textChunk('Software', 'GIMP'), idat(), iend())), {
    badge: false,
    container: 'png',
    spec: null,
    reason: 'no Open Badges chunk',
  });
  assert.equal(
    sniffBadge(png(ihdr(), itxt('openbadgesX', ASSERTION), idat(), iend())).badge,
    false,
  );
  assert.equal(sniffBadge(png(ihdr(), itxt('OpenBadges', ASSERTION), idat(), iend())).badge, false);
});

test('a keyword without its NUL within 80 bytes is no badge', () => {
  const endless = chunk('tEXt', Buffer.from(`openbadges${'x'.repeat(200)}`, 'latin1'));
  assert.equal(sniffBadge(png(ihdr(), endless, iend())).badge, false);
});

test('chunks after IEND are not read', () => {
  assert.equal(sniffBadge(png(ihdr(), idat(), iend(), itxt('openbadges', ASSERTION))).badge, false);
});

test('a truncated PNG or absurd chunk length ends the walk without throwing', () => {
  const whole = png(ihdr(), idat(), itxt('openbadges', ASSERTION), iend());
  assert.equal(sniffBadge(whole.subarray(0, 40)).badge, false);
  const huge = png(ihdr(), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x49, 0x44, 0x41, 0x54]));
  assert.equal(sniffBadge(huge).badge, false);
  assert.equal(sniffBadge(new Uint8Array(0)).badge, false);
});

test('only the first 10 MB are looked at', () => {
  const filler = chunk('IDAT', Buffer.alloc(SNIFF_LIMIT));
  const late = png(ihdr(), filler, itxt('openbadges', ASSERTION), iend());
  assert.equal(sniffBadge(late).badge, false);
  const early = png(ihdr(), itxt('openbadges', ASSERTION), filler, iend());
  assert.equal(sniffBadge(early).badge, true);
});

test('an SVG with an openbadges:assertion element is an OB 2.0 badge', () => {
  const svg = `<?xml version="1.0" encoding="UTF-8"?>
<!-- baked -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" width="64" height="64">
  <openbadges:assertion verify="https://issuer.example/a/1"><![CDATA[${ASSERTION}]]></openbadges:assertion>
  <circle r="30"/>
</svg>`;
  assert.deepEqual(sniffBadge(bytes(svg)), {
    badge: true,
    container: 'svg',
    spec: 'ob2',
    reason: '<openbadges:assertion>',
  });
});

test('OB 3.0 credentials count under any prefix and either namespace spelling', () => {
  const a = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob='https://purl.imsglobal.org/ob/v3p0'><ob:credential>eyJ.x.y</ob:credential></svg>`;
  const b = `\ufeff  <svg:svg xmlns:svg="http://www.w3.org/2000/svg" xmlns:o.b="https://purl.imsglobal.org/spec/ob/v3p0"><o.b:credential/></svg:svg>`;
  assert.equal(sniffBadge(bytes(a)).spec, 'ob3');
  assert.equal(sniffBadge(bytes(b)).spec, 'ob3');
});

test('a default-namespace badge element counts', () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg"><g xmlns="http://openbadges.org"><assertion verify="https://i.example/a"/></g></svg>`;
  assert.equal(sniffBadge(bytes(svg)).badge, true);
});

test('an SVG that declares the namespace but holds no badge element is none', () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><circle/></svg>`;
  assert.equal(sniffBadge(bytes(svg)).badge, false);
  const lookalike = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertions/></svg>`;
  assert.equal(sniffBadge(bytes(lookalike)).badge, false);
});

test('HTML, other XML, a DTD subset and raster formats are not SVG badges', () => {
  const html = `<!DOCTYPE html><html><body><svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg></body></html>`;
  assert.equal(sniffBadge(bytes(html)).container, null);
  assert.equal(
    sniffBadge(bytes('<rss xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></rss>'))
      .badge,
    false,
  );
  const dtd = `<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg>`;
  assert.equal(sniffBadge(bytes(dtd)).badge, false);
  assert.equal(sniffBadge(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])).badge, false);
  assert.equal(sniffBadge(bytes('GIF89a....')).badge, false);
});

test('the W3C SVG DOCTYPE without a subset is skipped like the agent does', () => {
  const svg = `<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://i.example/a"/></svg>`;
  assert.equal(sniffBadge(bytes(svg)).badge, true);
});

test('many namespace declarations do not make sniffing quadratic', { timeout: 5000 }, () => {
  const declarations = Array.from(
    { length: 5000 },
    (_, index) => ` xmlns:p${index}="http://openbadges.org"`,
  ).join('');
  const svg = `<svg${declarations}>${'<g/>'.repeat(100000)}</svg>`;
  assert.equal(sniffBadge(bytes(svg)).badge, false);
});
