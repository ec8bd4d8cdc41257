/**
 * What verdicts, checks, uploads and host problems mean, in words an earner reads: one place for
 * the page button, the popup, the options page and notifications.
 */

/** @typedef {'valid' | 'invalid' | 'revoked' | 'expired' | 'error'} Status */

/** @type {Record<Status, {label: string, symbol: string, tone: string, meaning: string}>} */
export const STATUSES = {
  valid: {
    label: 'Valid',
    symbol: '✓',
    tone: 'good',
    meaning: 'The issuer confirms this badge: it is genuine, current and not revoked.',
  },
  revoked: {
    label: 'Revoked',
    symbol: '⊘',
    tone: 'bad',
    meaning: 'The issuer has withdrawn this badge. Ask the issuer if you think this is a mistake.',
  },
  expired: {
    label: 'Expired',
    symbol: '⌛',
    tone: 'warn',
    meaning: 'This badge is past its expiry date. Ask the issuer whether it can be renewed.',
  },
  invalid: {
    label: 'Invalid',
    symbol: '✗',
    tone: 'bad',
    meaning: 'Verification found a problem: this badge cannot be trusted as it is.',
  },
  error: {
    label: 'Error',
    symbol: '!',
    tone: 'neutral',
    meaning:
      'Badgekeeper could not reach a verdict (for example, the issuer could not be reached). ' +
      'It tries again at the next sync.',
  },
};

/** @param {string | null | undefined} status */
export function statusInfo(status) {
  return STATUSES[/** @type {Status} */ (status)] ?? STATUSES.error;
}

/**
 * Why a badge has its status: the first error's message (the agent's sentences say what to do),
 * else what the status means.
 * @param {string} status
 * @param {{code: string, message: string}[] | undefined} errors
 */
export function statusReason(status, errors) {
  const first = Array.isArray(errors) ? errors.find((error) => error?.message) : undefined;
  return first ? first.message : statusInfo(status).meaning;
}

/** Verification check names (docs/PROTOCOL.md) → what passing means, what failing means. */
export const CHECKS = {
  fetch: ['The issuer published the badge data', "The issuer's server did not give the badge data"],
  revocation: ['The issuer has not revoked it', 'The issuer has revoked it'],
  structure: ['Well-formed Open Badges data', 'The badge data breaks the Open Badges rules'],
  scope: ['Hosted where the issuer allows', 'Hosted outside what the issuer allows: maybe a copy'],
  signature: ['The signature matches', 'The signature does not match: altered or forged'],
  dates: ['Dates are in order', 'Expired, or dated in the future'],
  recipient: ['Issued to one of your addresses', 'Issued to an address that is not one of yours'],
  proof: ['Carries a proof', 'No usable proof'],
  claims: ['Token claims agree', 'The signed token disagrees with the credential'],
  key: ["The issuer's key was found", "The issuer's key could not be found or is not theirs"],
  status: ['Not revoked on the status list', 'Revoked or suspended on the status list'],
};

/**
 * @param {{name: string, passed: boolean, detail?: string}} check
 * @returns {{title: string, detail: string}}
 */
export function describeCheck(check) {
  const known = CHECKS[check.name];
  const title = known ? known[check.passed ? 0 : 1] : check.name;
  return { title, detail: check.detail ?? '' };
}

/** Upload states (docs/PROTOCOL.md, Upload) → a short label. */
export function uploadLabel(upload) {
  switch (upload?.state) {
    case 'done':
      return `Uploaded to ${upload.backpack}`;
    case 'queued':
      return `Waiting to upload to ${upload.backpack}`;
    case 'uploading':
      return `Uploading to ${upload.backpack}…`;
    case 'failed':
      return `Upload to ${upload.backpack} failed`;
    default:
      return '';
  }
}

/**
 * The one command that fixes a host problem, or null when the error is something else.
 * @param {string} code
 * @param {string} extensionId
 */
export function installCommand(code, extensionId) {
  switch (code) {
    case 'HOST_NOT_INSTALLED':
      return 'badgekeeper install';
    case 'HOST_FORBIDDEN':
      return `badgekeeper install --extension-id ${extensionId}`;
    case 'HOST_EXITED':
    case 'AGENT_UNAVAILABLE':
      return 'badgekeeper doctor';
    default:
      return null;
  }
}

/** Codes that mean "the helper program is missing or broken", not a problem with one badge. */
export const HOST_PROBLEMS = new Set(['HOST_NOT_INSTALLED', 'HOST_FORBIDDEN', 'HOST_EXITED']);

/**
 * A short human date from an ISO 8601 string ('' for none).
 * @param {string | null | undefined} iso
 */
export function shortDate(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}
