"""Badgekeeper's errors and their stable codes.

Every problem a user or the extension can see has a code from :class:`ErrorCode`. A code has a
stable name (what appears on the wire and in ``verify --json``), a number for JSON-RPC error
replies, the verdict it leads to when it is found while verifying, and a sentence that says what
to do (kept in :mod:`agent.error_hints`). Codes are only ever appended, never renumbered or
renamed; ``docs/PROTOCOL.md`` lists them.

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

from agent.error_hints import HINTS

Outcome = Literal["error", "invalid", "revoked", "expired", "warning"]


class ErrorCode(Enum):
    """A stable error code: ``(number, outcome)``, and its sentence in :mod:`agent.error_hints`.

    ``outcome`` is the verdict the code leads to when it is found while verifying: ``error`` (no
    verdict could be reached), ``invalid``, ``revoked``, ``expired``, or ``warning`` (reported, but
    the badge can still be valid).
    """

    # --- reading the input: images and payloads (1000s) ---
    NO_BADGE_DATA = (1000, "error")
    IMAGE_UNSUPPORTED = (1001, "error")
    IMAGE_MALFORMED = (1002, "error")
    SVG_FORBIDDEN_MARKUP = (1003, "error")
    PAYLOAD_TOO_LARGE = (1004, "error")
    PAYLOAD_MALFORMED = (1005, "error")
    JSON_MALFORMED = (1006, "error")
    TEXT_ENCODING = (1007, "error")
    SOURCE_UNREADABLE = (1008, "error")
    # --- fetching (1100s) ---
    ADDRESS_REFUSED = (1100, "error")
    SCHEME_REFUSED = (1101, "error")
    FETCH_FAILED = (1102, "error")
    FETCH_TIMEOUT = (1103, "error")
    HTTP_NOT_FOUND = (1104, "error")
    HTTP_ERROR = (1105, "error")
    RESPONSE_TOO_LARGE = (1106, "error")
    HTML_NOT_JSON = (1107, "error")
    TOO_MANY_REDIRECTS = (1108, "error")
    DEADLINE_EXCEEDED = (1109, "error")
    # --- verification: structure (1200s) ---
    MISSING_PROPERTY = (1200, "invalid")
    INVALID_PROPERTY = (1201, "invalid")
    UNKNOWN_BADGE_TYPE = (1202, "invalid")
    ID_MISMATCH = (1203, "invalid")
    VERIFICATION_SCOPE = (1204, "invalid")
    CONTEXT_UNKNOWN = (1205, "error")
    # --- verification: signatures and keys (1300s) ---
    SIGNATURE_INVALID = (1300, "invalid")
    ALG_REFUSED = (1301, "invalid")
    TOKEN_MALFORMED = (1302, "invalid")
    KEY_UNAVAILABLE = (1303, "error")
    KEY_OWNER_MISMATCH = (1304, "invalid")
    PROOF_MISSING = (1305, "invalid")
    PROOF_UNSUPPORTED = (1306, "error")
    DID_UNSUPPORTED = (1307, "error")
    CLAIMS_MISMATCH = (1308, "invalid")
    # --- verification: status, dates, recipient (1400s) ---
    REVOKED = (1400, "revoked")
    EXPIRED = (1401, "expired")
    NOT_YET_VALID = (1402, "invalid")
    RECIPIENT_MISMATCH = (1403, "invalid")
    RECIPIENT_HASH_UNSUPPORTED = (1404, "invalid")
    STATUS_UNAVAILABLE = (1405, "error")
    # --- warnings (1500s): reported, the badge can still be valid ---
    IMAGE_MISSING = (1500, "warning")
    UPGRADED_LEGACY = (1501, "warning")
    RECIPIENT_NOT_CHECKED = (1502, "warning")
    # --- library (1600s) ---
    BADGE_NOT_FOUND = (1600, "error")
    LIBRARY_CORRUPT = (1601, "error")
    LIBRARY_TOO_NEW = (1602, "error")
    COLLECTION_NOT_FOUND = (1603, "error")
    INVALID_ARGUMENT = (1604, "error")
    LIBRARY_BUSY = (1605, "error")
    LIBRARY_UNAVAILABLE = (1606, "error")
    BADGE_ID_AMBIGUOUS = (1607, "error")
    # --- agent (1700s): reaching the agent and speaking its protocol ---
    AGENT_UNAVAILABLE = (1700, "error")
    UNAUTHORIZED = (1701, "error")
    ORIGIN_REFUSED = (1702, "error")
    MESSAGE_TOO_LARGE = (1703, "error")
    AGENT_BUSY = (1704, "error")
    RESULT_TOO_LARGE = (1705, "error")
    PROTOCOL_ERROR = (1706, "error")
    INSTALL_FAILED = (1707, "error")
    # --- share (1850s) ---
    NO_PUBLIC_URL = (1850, "error")
    EXPORT_FOLDER_IN_USE = (1851, "error")
    # --- backpack (1800s): uploading to backpacks and connecting them ---
    BACKPACK_NOT_FOUND = (1800, "error")
    BACKPACK_EXISTS = (1801, "error")
    BACKPACK_NOT_CONNECTED = (1802, "error")
    BACKPACK_RECONNECT = (1803, "error")
    BACKPACK_UNREACHABLE = (1804, "error")
    BACKPACK_TIMEOUT = (1805, "error")
    BACKPACK_SERVER_ERROR = (1806, "error")
    BACKPACK_REJECTED = (1807, "error")
    BACKPACK_RECIPIENT_MISMATCH = (1808, "error")
    BACKPACK_UNSUPPORTED_BADGE = (1809, "error")
    BACKPACK_DISCOVERY_FAILED = (1810, "error")
    BACKPACK_AUTH_FAILED = (1811, "error")
    BACKPACK_PROTOCOL_ERROR = (1812, "error")
    # --- internal (1900s) ---
    INTERNAL_ERROR = (1900, "error")

    def __init__(self, number: int, outcome: Outcome) -> None:
        self.number = number
        self.outcome: Outcome = outcome

    @property
    def hint(self) -> str:
        """What to do about it, in a sentence."""
        return HINTS[self.name]

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
