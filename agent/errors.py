"""Badgekeeper's errors and their stable codes.

Every problem a user or the extension can see has a code from :class:`ErrorCode`. A code has a
stable name (what appears on the wire and in ``verify --json``), a number for JSON-RPC error
replies, the verdict it leads to when it is found while verifying, and a sentence that says what
to do. Codes are only ever appended, never renumbered or renamed; ``docs/PROTOCOL.md`` lists them.

Hierarchy::

    BadgekeeperError                 carries an ErrorCode and a message
    ├── BakeryError                  an image or payload that cannot be read or written
    ├── FetchError                   a URL that could not (or must not) be fetched
    ├── VerificationError            a check that reached a negative or no verdict
    └── LibraryError                 the badge library (SQLite + files) refused or failed

Exceptions from aiohttp, sqlite3, cryptography, joserfc and Pillow are translated into these
where they cross into our code (``raise FetchError(...) from exc``).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

Outcome = Literal["error", "invalid", "revoked", "expired", "warning"]


class ErrorCode(Enum):
    """A stable error code: ``(number, outcome, what to do)``.

    ``outcome`` is the verdict the code leads to when it is found while verifying: ``error`` (no
    verdict could be reached), ``invalid``, ``revoked``, ``expired``, or ``warning`` (reported, but
    the badge can still be valid).
    """

    # --- reading the input: images and payloads (1000s) ---
    NO_BADGE_DATA = (
        1000,
        "error",
        "This image carries no Open Badges data. Save the baked badge image the issuer sent, or "
        "the link to the hosted assertion.",
    )
    IMAGE_UNSUPPORTED = (
        1001,
        "error",
        "This file is not a PNG or SVG image. Badges are baked into PNG or SVG images; ask the "
        "issuer for one of those.",
    )
    IMAGE_MALFORMED = (
        1002,
        "error",
        "The image file is damaged (truncated or corrupted). Download the badge again from the "
        "issuer's e-mail or page.",
    )
    SVG_FORBIDDEN_MARKUP = (
        1003,
        "error",
        "The SVG uses a DTD, entities or external references, which Badgekeeper never processes. "
        "Ask the issuer for a plain SVG or PNG badge.",
    )
    PAYLOAD_TOO_LARGE = (
        1004,
        "error",
        "The badge data is larger than Badgekeeper accepts. Real badges are far smaller; this file "
        "is probably not a badge.",
    )
    PAYLOAD_MALFORMED = (
        1005,
        "error",
        "The embedded badge data is not an assertion, credential, signed token or link. Ask the "
        "issuer to re-issue the badge.",
    )
    JSON_MALFORMED = (
        1006,
        "error",
        "The badge data is not valid JSON. Ask the issuer to re-issue the badge.",
    )
    TEXT_ENCODING = (
        1007,
        "error",
        "The badge data is not valid UTF-8 text. Ask the issuer to re-issue the badge.",
    )
    SOURCE_UNREADABLE = (
        1008,
        "error",
        "The file could not be read. Check the path and that you may read it.",
    )
    # --- fetching (1100s) ---
    ADDRESS_REFUSED = (
        1100,
        "error",
        "The badge points at a local or private network address, which Badgekeeper never "
        "contacts. If this is your own test issuer, list it in BADGEKEEPER_ALLOW_HOSTS.",
    )
    SCHEME_REFUSED = (
        1101,
        "error",
        "The badge points at a link that is not http or https, which Badgekeeper never follows.",
    )
    FETCH_FAILED = (
        1102,
        "error",
        "The issuer's server could not be reached. Check your connection and try again later.",
    )
    FETCH_TIMEOUT = (
        1103,
        "error",
        "The issuer's server did not answer in time. Try again later, or raise --timeout.",
    )
    HTTP_NOT_FOUND = (
        1104,
        "error",
        "The issuer's server says this badge data does not exist (404). Ask the issuer whether "
        "the badge moved.",
    )
    HTTP_ERROR = (
        1105,
        "error",
        "The issuer's server answered with an error. Try again later; if it persists, tell the "
        "issuer.",
    )
    RESPONSE_TOO_LARGE = (
        1106,
        "error",
        "The issuer's server sent more data than a badge can hold; Badgekeeper stopped reading.",
    )
    HTML_NOT_JSON = (
        1107,
        "error",
        "This address returns a web page, not badge data. Use the badge image or the assertion's "
        "JSON link.",
    )
    TOO_MANY_REDIRECTS = (
        1108,
        "error",
        "The issuer's server redirected too many times. Tell the issuer.",
    )
    DEADLINE_EXCEEDED = (
        1109,
        "error",
        "Verifying this badge took too long. Try again later, or raise --timeout.",
    )
    # --- verification: structure (1200s) ---
    MISSING_PROPERTY = (
        1200,
        "invalid",
        "The badge lacks a property the Open Badges specification requires. Ask the issuer to "
        "re-issue it.",
    )
    INVALID_PROPERTY = (
        1201,
        "invalid",
        "A property of the badge has a value the Open Badges specification does not allow. Ask "
        "the issuer to re-issue it.",
    )
    UNKNOWN_BADGE_TYPE = (
        1202,
        "invalid",
        "This is not an Open Badges assertion or OpenBadgeCredential.",
    )
    ID_MISMATCH = (
        1203,
        "invalid",
        "The hosted badge data names a different id than the address it was fetched from; it "
        "cannot be trusted. Tell the issuer.",
    )
    VERIFICATION_SCOPE = (
        1204,
        "invalid",
        "The badge is hosted outside the addresses its issuer allows. It may be a copy; ask the "
        "issuer for the original.",
    )
    CONTEXT_UNKNOWN = (
        1205,
        "error",
        "The credential uses a JSON-LD context Badgekeeper does not bundle, so its proof cannot "
        "be checked offline. Tell the Badgekeeper developers which one.",
    )
    # --- verification: signatures and keys (1300s) ---
    SIGNATURE_INVALID = (
        1300,
        "invalid",
        "The badge's signature does not match its content: it was altered after signing, or "
        "signed by someone else. Do not trust it.",
    )
    ALG_REFUSED = (
        1301,
        "invalid",
        "The badge is signed with an algorithm that cannot prove anything ('none' or a shared "
        "secret). Do not trust it.",
    )
    TOKEN_MALFORMED = (
        1302,
        "invalid",
        "The signed badge token is malformed. Ask the issuer to re-issue the badge.",
    )
    KEY_UNAVAILABLE = (
        1303,
        "error",
        "The issuer's public key could not be retrieved, so the signature cannot be checked. Try "
        "again later.",
    )
    KEY_OWNER_MISMATCH = (
        1304,
        "invalid",
        "The key that signed the badge does not belong to the badge's issuer. Do not trust it.",
    )
    PROOF_MISSING = (
        1305,
        "invalid",
        "This Open Badges 3.0 credential carries no proof, so nothing shows who issued it. Ask the "
        "issuer for a signed credential.",
    )
    PROOF_UNSUPPORTED = (
        1306,
        "error",
        "The credential's proof uses a method Badgekeeper does not support yet.",
    )
    DID_UNSUPPORTED = (
        1307,
        "error",
        "The issuer is identified by a DID method Badgekeeper cannot resolve (did:key and did:web "
        "are supported).",
    )
    CLAIMS_MISMATCH = (
        1308,
        "invalid",
        "The signed token's claims (issuer, id, subject or dates) disagree with the credential "
        "inside it. Do not trust it.",
    )
    # --- verification: status, dates, recipient (1400s) ---
    REVOKED = (
        1400,
        "revoked",
        "The issuer has revoked this badge. Ask the issuer if you think this is a mistake.",
    )
    EXPIRED = (
        1401,
        "expired",
        "This badge has expired. Ask the issuer whether it can be renewed.",
    )
    NOT_YET_VALID = (
        1402,
        "invalid",
        "This badge is dated in the future. Check your computer's clock; otherwise ask the issuer.",
    )
    RECIPIENT_MISMATCH = (
        1403,
        "invalid",
        "The badge was issued to a different recipient than your addresses. Add that address "
        "under Settings → My addresses, or ask the issuer to re-issue it.",
    )
    RECIPIENT_HASH_UNSUPPORTED = (
        1404,
        "invalid",
        "The badge's recipient is hashed with an algorithm the specification does not allow.",
    )
    STATUS_UNAVAILABLE = (
        1405,
        "error",
        "The issuer's revocation or status list could not be checked. Try again later.",
    )
    # --- warnings (1500s): reported, the badge can still be valid ---
    IMAGE_MISSING = (
        1500,
        "warning",
        "The badge class has no image. The badge is still valid; the popup shows a placeholder.",
    )
    UPGRADED_LEGACY = (
        1501,
        "warning",
        "This is an Open Badges 1.x badge, read as 2.0. It is still valid; newer issuers use 2.0 "
        "or 3.0.",
    )
    RECIPIENT_NOT_CHECKED = (
        1502,
        "warning",
        "The recipient was not checked: add your e-mail addresses under Settings → My addresses.",
    )
    # --- library (1600s) ---
    BADGE_NOT_FOUND = (
        1600,
        "error",
        "No saved badge has this id. Run `badgekeeper list` to see the ids of your badges.",
    )
    LIBRARY_CORRUPT = (
        1601,
        "error",
        "The badge library file is damaged or is not a Badgekeeper library. A copy was kept beside "
        "it; move the damaged file away (or restore a backup) and Badgekeeper starts a new one.",
    )
    LIBRARY_TOO_NEW = (
        1602,
        "error",
        "The badge library was written by a newer Badgekeeper. Upgrade Badgekeeper; your badges "
        "are untouched.",
    )
    COLLECTION_NOT_FOUND = (
        1603,
        "error",
        "No collection has this id. List your collections to see which exist.",
    )
    INVALID_ARGUMENT = (
        1604,
        "error",
        "A value given to the library is not acceptable. Check the value and try again.",
    )
    LIBRARY_BUSY = (
        1605,
        "error",
        "The badge library stayed locked by another Badgekeeper process for too long. Try again "
        "in a moment.",
    )
    LIBRARY_UNAVAILABLE = (
        1606,
        "error",
        "The badge library could not be read or written. Check free disk space and the "
        "permissions of Badgekeeper's data folder.",
    )
    BADGE_ID_AMBIGUOUS = (
        1607,
        "error",
        "Several saved badges start with this id. Type more characters of the id.",
    )
    # --- agent (1700s): reaching the agent and speaking its protocol ---
    AGENT_UNAVAILABLE = (
        1700,
        "error",
        "The Badgekeeper agent is not running and could not be started. Run `badgekeeper serve` "
        "in a terminal to see why, or `badgekeeper doctor`.",
    )
    UNAUTHORIZED = (
        1701,
        "error",
        "The agent refused the connection: its token was missing or wrong. Only Badgekeeper's own "
        "programs of the same user may connect; if this persists, restart the agent.",
    )
    ORIGIN_REFUSED = (
        1702,
        "error",
        "The agent refuses connections from web pages. Reach it through the browser extension or "
        "the `badgekeeper` command.",
    )
    MESSAGE_TOO_LARGE = (
        1703,
        "error",
        "The message is larger than the agent accepts (64 MiB). Badges are far smaller; send the "
        "badge image itself, not a larger file.",
    )
    AGENT_BUSY = (
        1704,
        "error",
        "The agent is busy (too many connections, or it is stopping). Try again in a moment.",
    )
    RESULT_TOO_LARGE = (
        1705,
        "error",
        "The answer is too large to send to the browser. Use the `badgekeeper` command instead, "
        "for example `badgekeeper export ID`.",
    )
    PROTOCOL_ERROR = (
        1706,
        "error",
        "The message does not follow the agent's protocol (JSON-RPC 2.0, docs/PROTOCOL.md). Make "
        "sure the extension and Badgekeeper are the same version.",
    )
    INSTALL_FAILED = (
        1707,
        "error",
        "The native host could not be registered with the browser: a file or registry key could "
        "not be written or removed. Check the permissions of the path named; for --system, run "
        "the command as root or administrator. `badgekeeper doctor` shows what is in place.",
    )
    # --- share (1850s) ---
    NO_PUBLIC_URL = (
        1850,
        "error",
        "This badge has no public address yet: upload it to a backpack first (badgekeeper upload "
        "ID), then share.",
    )
    EXPORT_FOLDER_IN_USE = (
        1851,
        "error",
        "The folder for the collection's page holds other files. Choose a new or empty folder (an "
        "earlier Badgekeeper page there is replaced).",
    )
    # --- backpack (1800s): uploading to backpacks and connecting them ---
    BACKPACK_NOT_FOUND = (
        1800,
        "error",
        "No backpack has this name. Run `badgekeeper backpack list` to see yours, or add one with "
        "`badgekeeper backpack add`.",
    )
    BACKPACK_EXISTS = (
        1801,
        "error",
        "A backpack with this name exists already. Pick another name, or remove the old one first.",
    )
    BACKPACK_NOT_CONNECTED = (
        1802,
        "error",
        "This backpack is not connected yet. Run `badgekeeper backpack connect NAME`; queued "
        "uploads start once it is connected.",
    )
    BACKPACK_RECONNECT = (
        1803,
        "error",
        "The backpack no longer accepts Badgekeeper's sign-in. Run `badgekeeper backpack connect "
        "NAME` again; queued uploads wait and continue afterwards.",
    )
    BACKPACK_UNREACHABLE = (
        1804,
        "error",
        "The backpack could not be reached. Check your connection; Badgekeeper retries queued "
        "uploads by itself.",
    )
    BACKPACK_TIMEOUT = (
        1805,
        "error",
        "The backpack did not answer in time. Badgekeeper retries queued uploads by itself.",
    )
    BACKPACK_SERVER_ERROR = (
        1806,
        "error",
        "The backpack answered with a server error. Badgekeeper retries queued uploads by itself; "
        "if it persists, tell the backpack's operator.",
    )
    BACKPACK_REJECTED = (
        1807,
        "error",
        "The backpack refused this badge. Check the badge's verdict with `badgekeeper show ID`; "
        "the backpack's reason is in the message.",
    )
    BACKPACK_RECIPIENT_MISMATCH = (
        1808,
        "error",
        "The badge was issued to an address your backpack account does not have. Add and verify "
        "that address in the backpack, then upload again.",
    )
    BACKPACK_UNSUPPORTED_BADGE = (
        1809,
        "error",
        "This kind of backpack does not take this kind of badge (Badge Connect and Badgr take Open "
        "Badges 2.0, the OB 3.0 API takes 3.0). Upload it to another backpack.",
    )
    BACKPACK_DISCOVERY_FAILED = (
        1810,
        "error",
        "The backpack's address does not publish the API it was added as. Check the URL and the "
        "kind given to `badgekeeper backpack add`.",
    )
    BACKPACK_AUTH_FAILED = (
        1811,
        "error",
        "Signing in to the backpack failed (wrong user name or password, or the request was not "
        "approved). Try `badgekeeper backpack connect NAME` again.",
    )
    BACKPACK_PROTOCOL_ERROR = (
        1812,
        "error",
        "The backpack answered something Badgekeeper cannot read. Check the backpack's URL and "
        "kind; if they are right, tell the backpack's operator.",
    )
    # --- internal (1900s) ---
    INTERNAL_ERROR = (
        1900,
        "error",
        "Badgekeeper hit an unexpected problem. Please report it with the log file.",
    )

    def __init__(self, number: int, outcome: Outcome, hint: str) -> None:
        self.number = number
        self.outcome: Outcome = outcome
        self.hint = hint

    @property
    def code(self) -> str:
        """The stable name as it appears on the wire."""
        return self.name


class BadgekeeperError(Exception):
    """An error with a stable code and a message that says what to do."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or code.hint
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


class BakeryError(BadgekeeperError):
    """An image or payload that cannot be read (unbake) or written (bake)."""


class FetchError(BadgekeeperError):
    """A URL that could not, or must not, be fetched."""


class VerificationError(BadgekeeperError):
    """A verification check that failed; its code's outcome says which verdict it leads to."""


class LibraryError(BadgekeeperError):
    """The badge library refused an operation (unknown id, bad argument) or could not do it."""
