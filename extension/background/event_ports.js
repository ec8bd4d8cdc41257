/**
 * Agent events fanned out to the extension's open pages (popup, options).
 *
 * A page opens a port named EVENTS_PORT; the worker posts `{v: 1, event, params}` on it for
 * every agent event. The set of ports is only a routing table: when the worker stops, the ports
 * close and the pages connect again (which wakes the worker), so nothing here must survive.
 */

import { EVENTS_PORT, MESSAGE_VERSION } from '../lib/messages.js';
import { senderKind } from './router.js';

/** @type {Set<any>} */
const ports = new Set();

/**
 * Accept a page's port, or close it when it is not one of the extension's own pages.
 * @param {any} port a runtime.Port
 * @param {import('./router.js').Identity} identity
 */
export function acceptPort(port, identity) {
  if (port.name !== EVENTS_PORT || senderKind(port.sender, identity) !== 'extension') {
    port.disconnect();
    return;
  }
  ports.add(port);
  port.onDisconnect.addListener(() => ports.delete(port));
}

/**
 * @param {string} event
 * @param {object} params
 */
export function fanOut(event, params) {
  for (const port of ports) {
    try {
      port.postMessage({ v: MESSAGE_VERSION, event, params });
    } catch {
      ports.delete(port); // closed under us
    }
  }
}
