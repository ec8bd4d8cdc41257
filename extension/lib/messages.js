/**
 * Messages between the extension's pages (popup, options, content scripts) and its service
 * worker, and the envelope every answer comes in.
 *
 * A request is `{v: 1, type, params}`; the answer is `{v: 1, ok: true, result}` or
 * `{v: 1, ok: false, error: {code, message, command}}`, where `code` is the agent's stable code
 * (`BADGE_NOT_FOUND`, `HOST_NOT_INSTALLED`, …) or one of the worker's own (`SENDER_REFUSED`,
 * `UNKNOWN_MESSAGE`, `BAD_MESSAGE`, `INTERNAL_ERROR`) and `command` is the one terminal command
 * that fixes it, when there is one.
 */

export const MESSAGE_VERSION = 1;

/** The port name extension pages open to receive agent events. */
export const EVENTS_PORT = 'badgekeeper-events';

/** An error answered by the worker (or met on the way to it). */
export class ExtensionError extends Error {
  /**
   * @param {string} code
   * @param {string} message a sentence that says what to do
   * @param {string | null} [command]
   */
  constructor(code, message, command = null) {
    super(message);
    this.name = 'ExtensionError';
    this.code = code;
    this.command = command;
  }
}

/** @param {unknown} result */
export function okReply(result) {
  return { v: MESSAGE_VERSION, ok: true, result: result ?? null };
}

/**
 * @param {string} code
 * @param {string} message
 * @param {string | null} [command]
 */
export function errorReply(code, message, command = null) {
  return { v: MESSAGE_VERSION, ok: false, error: { code, message, command } };
}

/**
 * Turn an envelope into its result, or throw its error.
 * @param {any} reply
 */
export function unwrapReply(reply) {
  if (!reply || reply.v !== MESSAGE_VERSION || typeof reply.ok !== 'boolean') {
    throw new ExtensionError(
      'BAD_REPLY',
      "Badgekeeper's extension answered in an unexpected way. Reload the extension, then try again.",
    );
  }
  if (reply.ok) return reply.result;
  const error = reply.error ?? {};
  throw new ExtensionError(
    String(error.code ?? 'INTERNAL_ERROR'),
    String(error.message ?? 'Badgekeeper hit an unexpected problem.'),
    error.command ?? null,
  );
}

/**
 * Ask the service worker; resolves with the result, rejects with an ExtensionError.
 * @param {string} type e.g. 'agent.call', 'page.save'
 * @param {object} [params]
 */
export async function request(type, params = {}) {
  const api = globalThis.browser ?? globalThis.chrome;
  let reply;
  try {
    reply = await api.runtime.sendMessage({ v: MESSAGE_VERSION, type, params });
  } catch {
    // The extension was reloaded or updated under this page: its old scripts are cut off.
    throw new ExtensionError(
      'EXTENSION_UNAVAILABLE',
      'Badgekeeper was updated or restarted. Reload this page, then try again.',
    );
  }
  return unwrapReply(reply);
}

/**
 * Call an agent method through the worker (extension pages only).
 * @param {string} method
 * @param {object} [params]
 */
export function callAgent(method, params = {}) {
  return request('agent.call', { method, params });
}
