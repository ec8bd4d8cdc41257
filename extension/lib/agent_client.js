/**
 * The agent as the extension's own pages (popup, options) reach it: calls and live events, both
 * through the service worker.
 */

import { EVENTS_PORT, MESSAGE_VERSION, callAgent, request } from './messages.js';

export { callAgent };

const RECONNECT_MS = 500;

/**
 * Whether the agent answers, and what it offers: `{version, protocol, methods, events}`.
 * Rejects with an ExtensionError (HOST_NOT_INSTALLED, …) when it does not.
 */
export function hostStatus() {
  return request('host.status');
}

/**
 * Receive every agent event while the page is open. The worker may stop and start again; the
 * port is then reopened (which wakes it), and `onReconnect` lets the page re-read its state.
 * @param {(event: string, params: any) => void} onEvent
 * @param {() => void} [onReconnect]
 * @returns {() => void} stop listening
 */
export function listenToAgent(onEvent, onReconnect = () => {}) {
  const api = globalThis.browser ?? globalThis.chrome;
  let port = null;
  let stopped = false;

  function open(again) {
    port = api.runtime.connect({ name: EVENTS_PORT });
    port.onMessage.addListener((message) => {
      if (message?.v === MESSAGE_VERSION && typeof message.event === 'string') {
        onEvent(message.event, message.params ?? {});
      }
    });
    port.onDisconnect.addListener(() => {
      if (!stopped) setTimeout(() => open(true), RECONNECT_MS);
    });
    if (again) onReconnect();
  }

  open(false);
  return () => {
    stopped = true;
    port?.disconnect();
  };
}
