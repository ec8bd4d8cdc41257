/*
 * The content script the manifest names for every mail site. Content scripts cannot be ES
 * modules, so this classic script imports the real code and starts the adapter of the site it
 * runs on. The specifiers are relative to this file's own extension URL; the modules are
 * web-accessible to the mail sites only.
 */
(async () => {
  const { siteForHost } = await import('../lib/sites.js');
  const site = siteForHost(location.hostname);
  if (site === null) return;
  const { runSite } = await import('./site_runner.js');
  await runSite(site);
})().catch((error) => {
  console.warn('Badgekeeper could not start on this page:', error);
});
