/**
 * The progress strip under the popup's header: "Verifying 3 of 12", with a Stop button when the
 * work can be stopped.
 */

const strip = () => document.getElementById('progress');

/**
 * @param {string} text e.g. "Verifying 3 of 12"
 * @param {number} done
 * @param {number} total
 * @param {(() => void) | null} [onStop]
 */
export function showProgress(text, done, total, onStop = null) {
  const element = strip();
  element.hidden = false;
  document.getElementById('progress-text').textContent = text;
  const bar = /** @type {HTMLProgressElement} */ (document.getElementById('progress-bar'));
  bar.max = Math.max(total, 1);
  bar.value = Math.min(done, bar.max);
  const stop = document.getElementById('progress-cancel');
  stop.hidden = onStop === null;
  stop.onclick = onStop;
}

export function hideProgress() {
  strip().hidden = true;
}

/**
 * A message above the view (an error unless `info`), cleared by the next one.
 * @param {string} text
 * @param {{info?: boolean, command?: string | null}} [options]
 */
export function showNotice(text, { info = false, command = null } = {}) {
  const notice = document.getElementById('notice');
  notice.hidden = false;
  notice.classList.toggle('is-info', info);
  notice.textContent = text;
  if (command) {
    const code = document.createElement('code');
    code.textContent = command;
    notice.append(' ', code);
  }
}

export function clearNotice() {
  document.getElementById('notice').hidden = true;
}
