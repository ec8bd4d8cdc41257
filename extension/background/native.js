/**
 * The connection to Badgekeeper's native host, and JSON-RPC 2.0 calls over it.
 *
 * Rules:
 * - One long-lived port (`runtime.connectNative`), opened on first use. While it is open the
 *   agent's events arrive and are handed to every `onEvent` listener (an open native port also
 *   keeps the MV3 service worker alive).
 * - `call(method, params)` sends a request and returns a Promise settled by the reply with the
 *   same id: its `result`, or a `NativeHostError`.
 * - When the port closes, every call in flight is rejected with the reason, and the port is
 *   opened again with backoff (0.5 s doubling to 60 s) while event listeners remain; a call
 *   made meanwhile opens it at once. A message received resets the backoff.
 * - Every error has a stable `code`: the agent's (`data.name`, e.g. `BADGE_NOT_FOUND`), JSON-RPC's
 *   own by name (`METHOD_NOT_FOUND`, …), or the browser's verdict on the host itself:
 *   `HOST_NOT_INSTALLED`, `HOST_FORBIDDEN`, `HOST_EXITED`.
 * - Works in Chrome (`chrome.*`) and Firefox (`browser.*`).
 */

export const HOST_NAME = 'org.badgekeeper.host';

const api = globalThis.browser ?? globalThis.chrome;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 60_000;

const RPC_CODES = new Map([
  [-32700, 'PARSE_ERROR'],
  [-32600, 'INVALID_REQUEST'],
  [-32601, 'METHOD_NOT_FOUND'],
  [-32602, 'INVALID_PARAMS'],
  [-32603, 'INTERNAL_ERROR'],
]);

/** An error from the host, the agent, or the browser's native messaging. */
export class NativeHostError extends Error {
  /**
   * @param {string} code stable name, e.g. HOST_NOT_INSTALLED or BADGE_NOT_FOUND
   * @param {string} message a sentence that says what to do
   * @param {{number?: number, data?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'NativeHostError';
    this.code = code;
    this.number = details.number ?? null;
    this.data = details.data ?? null;
  }
}

/**
 * The error a closed port stands for, from the browser's own message.
 * @param {string | undefined} reason
 */
export function disconnectError(reason) {
  const text = reason ?? '';
  if (/not found/i.test(text)) {
    return new NativeHostError(
      'HOST_NOT_INSTALLED',
      "Badgekeeper's helper program is not installed for this browser. Install Badgekeeper " +
        '(`pipx install badgekeeper`), run `badgekeeper install` in a terminal, then try again.',
    );
  }
  if (/forbidden/i.test(text)) {
    return new NativeHostError(
      'HOST_FORBIDDEN',
      "Badgekeeper's helper program was installed for another extension id. Run " +
        `\`badgekeeper install --extension-id ${api.runtime.id}\` in a terminal, then try again.`,
    );
  }
  return new NativeHostError(
    'HOST_EXITED',
    `Badgekeeper's helper program stopped${text ? ` (${text})` : ''}. Try again; if it keeps ` +
      'happening, run `badgekeeper doctor` in a terminal.',
  );
}

/** @param {{code: number, message?: string, data?: {name?: string}}} error */
function replyError(error) {
  const code = error?.data?.name ?? RPC_CODES.get(error?.code) ?? String(error?.code);
  const message = error?.message ?? 'Badgekeeper answered with an error.';
  return new NativeHostError(code, message, { number: error?.code, data: error?.data });
}

let port = null;
let nextId = 1;
let backoffMs = BACKOFF_FIRST_MS;
let reconnectTimer = null;
/** @type {Map<number, {resolve: (value: unknown) => void, reject: (error: Error) => void}>} */
const pending = new Map();
/** @type {Set<(event: string, params: object) => void>} */
const listeners = new Set();

function receive(message) {
  backoffMs = BACKOFF_FIRST_MS;
  if (message && typeof message.method === 'string' && !('id' in message)) {
    for (const listener of listeners) {
      try {
        listener(message.method, message.params ?? {});
      } catch (error) {
        console.error('Badgekeeper: an event listener failed', error);
      }
    }
    return;
  }
  const waiting = pending.get(message?.id);
  if (!waiting) return; // e.g. a parse error about a message we never sent
  pending.delete(message.id);
  if ('error' in message) waiting.reject(replyError(message.error));
  else waiting.resolve(message.result);
}

function closed(closedPort) {
  if (closedPort !== port) return;
  const reason = closedPort.error?.message ?? api.runtime.lastError?.message;
  port = null;
  const error = disconnectError(reason);
  for (const waiting of pending.values()) waiting.reject(error);
  pending.clear();
  scheduleReconnect();
}

function scheduleReconnect() {
  if (listeners.size === 0 || reconnectTimer !== null) return;
  const delay = backoffMs;
  backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    if (port === null && listeners.size > 0) connect();
  }, delay);
}

function connect() {
  if (port !== null) return port;
  if (reconnectTimer !== null) {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
  }
  const opened = api.runtime.connectNative(HOST_NAME);
  port = opened;
  opened.onMessage.addListener(receive);
  opened.onDisconnect.addListener(() => closed(opened));
  return opened;
}

/**
 * Call an agent method; resolves with its result, rejects with a NativeHostError.
 * @param {string} method e.g. 'agent.hello'
 * @param {object} [params]
 * @returns {Promise<any>}
 */
export function call(method, params) {
  const id = nextId++;
  const request = { jsonrpc: '2.0', id, method };
  if (params !== undefined) request.params = params;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    try {
      connect().postMessage(request);
    } catch (error) {
      pending.delete(id);
      reject(disconnectError(error?.message));
    }
  });
}

/**
 * Listen to the agent's events (`badge.saved`, `settings.changed`, …); returns `unsubscribe`.
 * Listening keeps the port open, reconnecting when it drops.
 * @param {(event: string, params: object) => void} listener
 */
export function onEvent(listener) {
  listeners.add(listener);
  connect();
  return () => listeners.delete(listener);
}

/** Close the port (calls in flight are rejected with HOST_EXITED). */
export function disconnect() {
  const open = port;
  if (open === null) return;
  port = null;
  open.disconnect();
  for (const waiting of pending.values()) waiting.reject(disconnectError('disconnected'));
  pending.clear();
}
