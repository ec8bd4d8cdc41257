// manifest.json agrees with the code: sites, files, permissions, icons, the fixed id.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

import { SITES, patternHost } from '../../extension/lib/sites.js';

const ROOT = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', ROOT), 'utf8'));

test('each mail site runs the loader where its adapter says it runs', async () => {
  const scripts = manifest.content_scripts;
  assert.equal(scripts.length, SITES.length);
  for (const site of SITES) {
    const entry = scripts.find((script) => script.matches.join() === site.matches.join());
    assert.ok(entry, `no content_scripts entry for ${site.name}`);
    assert.deepEqual(entry.js, ['extension/content/loader.js']);
    assert.deepEqual(entry.css, ['extension/content/badge_button.css']);
    const adapter = await site.load();
    assert.deepEqual(adapter.site.matches, site.matches);
    assert.equal(adapter.site.name, site.name);
    assert.equal(typeof adapter.start, 'function');
  }
});

test('the modules content scripts import are web-accessible on the mail sites only', () => {
  const [resources] = manifest.web_accessible_resources;
  assert.deepEqual(
    resources.matches,
    SITES.flatMap((site) => site.matches),
  );
  for (const folder of ['content', 'lib', 'sites']) {
    assert.ok(resources.resources.includes(`extension/${folder}/*.js`));
  }
});

test('permissions are the least that work', () => {
  assert.deepEqual(manifest.permissions, [
    'activeTab',
    'alarms',
    'contextMenus',
    'nativeMessaging',
    'notifications',
    'scripting',
    'storage',
  ]);
  const mailHosts = SITES.flatMap((site) => site.matches);
  assert.deepEqual(
    manifest.host_permissions.filter((pattern) => mailHosts.includes(pattern)),
    mailHosts,
  );
  for (const pattern of manifest.host_permissions) {
    assert.match(
      pattern,
      /^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+\/\*$/,
      `${pattern}: https and one named domain only`,
    );
  }
  assert.deepEqual(manifest.optional_host_permissions, ['https://*/*']); // asked for in Options, never at install
  assert.ok(!manifest.host_permissions.some((pattern) => patternHost(pattern) === '*'));
});

test('every file the manifest names exists, icons at every size with their real size', () => {
  const named = [
    manifest.background.service_worker,
    ...manifest.background.scripts,
    manifest.action.default_popup,
    manifest.options_ui.page,
    ...manifest.content_scripts.flatMap((script) => [...script.js, ...script.css]),
    ...Object.values(manifest.action.default_icon),
  ];
  for (const name of named) assert.ok(existsSync(new URL(name, ROOT)), name);
  assert.deepEqual(Object.keys(manifest.icons), ['16', '32', '48', '96', '128']);
  for (const [size, name] of Object.entries(manifest.icons)) {
    const data = readFileSync(new URL(name, ROOT));
    assert.equal(data.readUInt32BE(16), Number(size), `${name} width`);
    assert.equal(data.readUInt32BE(20), Number(size), `${name} height`);
  }
  assert.equal(manifest.background.type, 'module');
});

test('the key gives the Chrome id the host is installed for', () => {
  const digest = createHash('sha256')
    .update(Buffer.from(manifest.key, 'base64'))
    .digest('hex')
    .slice(0, 32);
  const id = [...digest]
    .map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16)))
    .join('');
  assert.equal(id, 'gjclphckdhebdmajhgpofchhgaogdaed');
  assert.equal(manifest.browser_specific_settings.gecko.id, 'badgekeeper@badgekeeper.org');
});

test('no extension module is larger than about 400 lines', () => {
  for (const folder of ['background', 'content', 'lib', 'popup', 'options', 'sites']) {
    for (const name of readdirSync(new URL(`extension/${folder}/`, ROOT))) {
      if (!name.endsWith('.js')) continue;
      const lines = readFileSync(new URL(`extension/${folder}/${name}`, ROOT), 'utf8').split(
        '\n',
      ).length;
      assert.ok(lines <= 420, `${folder}/${name} has ${lines} lines`);
    }
  }
});
