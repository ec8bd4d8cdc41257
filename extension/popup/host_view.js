/**
 * The popup when the agent cannot be reached: what is missing, and the one command that fixes it.
 */

import { installCommand } from '../lib/status.js';

const TEXTS = {
  HOST_NOT_INSTALLED: [
    'Finish setting up Badgekeeper',
    'Badgekeeper keeps your badges with a small program on this computer. The browser cannot find it yet.',
  ],
  HOST_FORBIDDEN: [
    'Allow this browser to use Badgekeeper',
    'Badgekeeper’s program is installed, but for another copy of this extension.',
  ],
  HOST_EXITED: [
    'Badgekeeper’s program stopped',
    'The browser started it, but it stopped before answering.',
  ],
  AGENT_UNAVAILABLE: [
    'Badgekeeper could not start',
    'Its program is installed, but the part that keeps your badges did not start.',
  ],
};

/**
 * @param {any} error an ExtensionError from `host.status`
 * @param {() => void} retry
 */
export function showHostProblem(error, retry) {
  const api = globalThis.browser ?? globalThis.chrome;
  const code = String(error?.code ?? 'HOST_EXITED');
  const [title, text] = TEXTS[code] ?? [
    'Badgekeeper is not answering',
    'Something went wrong on the way to it.',
  ];
  const command = error?.command ?? installCommand(code, api.runtime.id) ?? 'badgekeeper doctor';
  document.getElementById('host-title').textContent = title;
  document.getElementById('host-text').textContent = text;
  document.getElementById('host-command').textContent = command;
  document.getElementById('host-first').hidden = code !== 'HOST_NOT_INSTALLED';
  document.getElementById('host-message').textContent = String(error?.message ?? '');
  const copy = document.getElementById('host-copy');
  copy.onclick = async () => {
    await navigator.clipboard.writeText(command);
    copy.textContent = 'Copied ✓';
  };
  document.getElementById('host-retry').onclick = retry;
}
