/**
 * The extension's background service worker (Chrome) or background script (Firefox).
 *
 * For now it only opens the way to the agent; message routing, the context menu and sync
 * alarms come with the extension's features.
 */

import { call, onEvent } from './native.js';

// What tests and benchmarks drive from outside (Playwright evaluates code in the worker).
self.badgekeeper = { call, onEvent };
