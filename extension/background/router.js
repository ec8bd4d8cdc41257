/**
 * Route messages from the extension's pages and content scripts to named handlers.
 *
 * Rules:
 * - The sender is judged first: it must be this extension (`sender.id`), and then either one of
 *   its own pages (popup, options: their URL is under the extension's origin) or a content
 *   script in a tab of a mail site. Anything else is refused before the message is read.
 * - Each handler names the kinds of sender it serves (`allow`): content scripts can save and
 *   fetch, only the extension's own pages can call agent methods.
 * - Every answer is an envelope (lib/messages.js); a thrown NativeHostError or ExtensionError
 *   keeps its code and gets the one command that fixes it; anything else is INTERNAL_ERROR and
 *   is logged here, never sent as a stack.
 * - The router holds no state: a stopped and restarted worker routes the same way.
 */

import { MESSAGE_VERSION, errorReply, okReply } from '../lib/messages.js';
import { installCommand } from '../lib/status.js';
import { parseUrl } from '../lib/urls.js';

/** @typedef {'extension' | 'content'} SenderKind */

/**
 * @typedef {object} Handler
 * @property {SenderKind[]} allow who may send it
 * @property {(params: Record<string, unknown>, context: {sender: any, kind: SenderKind})
 *   => Promise<unknown> | unknown} handle
 */

/**
 * @typedef {object} Identity
 * @property {string} extensionId `runtime.id`
 * @property {string} extensionOrigin `runtime.getURL('')`, e.g. chrome-extension://ID/
 * @property {Set<string>} contentHosts the mail sites' host names
 */

/**
 * Who sent this, or null when nobody we serve did.
 * @param {any} sender a runtime.MessageSender
 * @param {Identity} identity
 * @returns {SenderKind | null}
 */
export function senderKind(sender, identity) {
  if (!sender || sender.id !== identity.extensionId) return null;
  const url = parseUrl(String(sender.url ?? ''));
  if (url === null) return null;
  if (url.href.startsWith(identity.extensionOrigin)) return 'extension';
  if (sender.tab && url.protocol === 'https:' && identity.contentHosts.has(url.hostname)) {
    return 'content';
  }
  return null;
}

/**
 * The envelope for an error thrown by a handler.
 * @param {any} error
 * @param {string} extensionId
 */
export function replyForError(error, extensionId) {
  const typed = error?.name === 'NativeHostError' || error?.name === 'ExtensionError';
  if (typed && typeof error.code === 'string') {
    const command = error.command ?? installCommand(error.code, extensionId);
    return errorReply(error.code, String(error.message), command);
  }
  console.error('Badgekeeper: a message handler failed', error);
  return errorReply(
    'INTERNAL_ERROR',
    "Badgekeeper's extension hit an unexpected problem. Try again; if it keeps happening, " +
      'reload the extension from the browser’s extensions page.',
  );
}

/**
 * @param {{handlers: Record<string, Handler>, identity: Identity}} options
 * @returns {(message: any, sender: any) => Promise<object>} resolves with an envelope, never rejects
 */
export function createRouter({ handlers, identity }) {
  return async function route(message, sender) {
    const kind = senderKind(sender, identity);
    if (kind === null) {
      return errorReply('SENDER_REFUSED', 'Badgekeeper only answers its own pages and mail tabs.');
    }
    if (!message || message.v !== MESSAGE_VERSION || typeof message.type !== 'string') {
      return errorReply(
        'BAD_MESSAGE',
        'The message is not one Badgekeeper understands. Reload the page, then try again.',
      );
    }
    const handler = Object.hasOwn(handlers, message.type) ? handlers[message.type] : undefined;
    if (handler === undefined) {
      return errorReply(
        'UNKNOWN_MESSAGE',
        `Badgekeeper has no "${message.type.slice(0, 60)}". Reload the page, then try again.`,
      );
    }
    if (!handler.allow.includes(kind)) {
      return errorReply('SENDER_REFUSED', `"${message.type}" is not available here.`);
    }
    const params = message.params ?? {};
    if (typeof params !== 'object' || Array.isArray(params)) {
      return errorReply('BAD_MESSAGE', 'The message parameters must be an object.');
    }
    try {
      return okReply(await handler.handle(params, { sender, kind }));
    } catch (error) {
      return replyForError(error, identity.extensionId);
    }
  };
}
