"""What to do about each error: the sentence shown with an :class:`agent.errors.ErrorCode`.

The codes (names, numbers, outcomes) are the stable contract in ``errors.py``; these sentences
are the user-facing copy, kept apart so they can be improved without touching the codes. Every
code has exactly one (a test holds both files to that). A sentence says what happened in the
user's terms and what to do next.
"""

from __future__ import annotations

HINTS: dict[str, str] = {
    # --- reading the input: images and payloads (1000s) ---
    "NO_BADGE_DATA": (
        "This image carries no Open Badges data. Save the baked badge image the issuer sent, or "
        "the link to the hosted assertion."
    ),
    "IMAGE_UNSUPPORTED": (
        "This file is not a PNG or SVG image. Badges are baked into PNG or SVG images; ask the "
        "issuer for one of those."
    ),
    "IMAGE_MALFORMED": (
        "The image file is damaged (truncated or corrupted). Download the badge again from the "
        "issuer's e-mail or page."
    ),
    "SVG_FORBIDDEN_MARKUP": (
        "The SVG uses a DTD, entities or external references, which Badgekeeper never processes. "
        "Ask the issuer for a plain SVG or PNG badge."
    ),
    "PAYLOAD_TOO_LARGE": (
        "The badge data is larger than Badgekeeper accepts. Real badges are far smaller; this "
        "file is probably not a badge."
    ),
    "PAYLOAD_MALFORMED": (
        "The embedded badge data is not an assertion, credential, signed token or link. Ask the "
        "issuer to re-issue the badge."
    ),
    "JSON_MALFORMED": "The badge data is not valid JSON. Ask the issuer to re-issue the badge.",
    "TEXT_ENCODING": (
        "The badge data is not valid UTF-8 text. Ask the issuer to re-issue the badge."
    ),
    "SOURCE_UNREADABLE": "The file could not be read. Check the path and that you may read it.",
    # --- fetching (1100s) ---
    "ADDRESS_REFUSED": (
        "The badge points at a local or private network address, which Badgekeeper never "
        "contacts. If this is your own test issuer, list it in BADGEKEEPER_ALLOW_HOSTS."
    ),
    "SCHEME_REFUSED": (
        "The badge points at a link that is not http or https, which Badgekeeper never follows."
    ),
    "FETCH_FAILED": (
        "The issuer's server could not be reached. Check your connection and try again later."
    ),
    "FETCH_TIMEOUT": (
        "The issuer's server did not answer in time. Try again later, or raise --timeout."
    ),
    "HTTP_NOT_FOUND": (
        "The issuer's server says this badge data does not exist (404). Ask the issuer whether "
        "the badge moved."
    ),
    "HTTP_ERROR": (
        "The issuer's server answered with an error. Try again later; if it persists, tell the "
        "issuer."
    ),
    "RESPONSE_TOO_LARGE": (
        "The issuer's server sent more data than a badge can hold; Badgekeeper stopped reading."
    ),
    "HTML_NOT_JSON": (
        "This address returns a web page, not badge data. Use the badge image or the assertion's "
        "JSON link."
    ),
    "TOO_MANY_REDIRECTS": "The issuer's server redirected too many times. Tell the issuer.",
    "DEADLINE_EXCEEDED": "Verifying this badge took too long. Try again later, or raise --timeout.",
    # --- verification: structure (1200s) ---
    "MISSING_PROPERTY": (
        "The badge lacks a property the Open Badges specification requires. Ask the issuer to "
        "re-issue it."
    ),
    "INVALID_PROPERTY": (
        "A property of the badge has a value the Open Badges specification does not allow. Ask "
        "the issuer to re-issue it."
    ),
    "UNKNOWN_BADGE_TYPE": "This is not an Open Badges assertion or OpenBadgeCredential.",
    "ID_MISMATCH": (
        "The hosted badge data names a different id than the address it was fetched from; it "
        "cannot be trusted. Tell the issuer."
    ),
    "VERIFICATION_SCOPE": (
        "The badge is hosted outside the addresses its issuer allows. It may be a copy; ask the "
        "issuer for the original."
    ),
    "CONTEXT_UNKNOWN": (
        "The credential uses a JSON-LD context Badgekeeper does not bundle, so its proof cannot "
        "be checked offline. Tell the Badgekeeper developers which one."
    ),
    # --- verification: signatures and keys (1300s) ---
    "SIGNATURE_INVALID": (
        "The badge's signature does not match its content: it was altered after signing, or "
        "signed by someone else. Do not trust it."
    ),
    "ALG_REFUSED": (
        "The badge is signed with an algorithm that cannot prove anything ('none' or a shared "
        "secret). Do not trust it."
    ),
    "TOKEN_MALFORMED": "The signed badge token is malformed. Ask the issuer to re-issue the badge.",
    "KEY_UNAVAILABLE": (
        "The issuer's public key could not be retrieved, so the signature cannot be checked. Try "
        "again later."
    ),
    "KEY_OWNER_MISMATCH": (
        "The key that signed the badge does not belong to the badge's issuer. Do not trust it."
    ),
    "PROOF_MISSING": (
        "This Open Badges 3.0 credential carries no proof, so nothing shows who issued it. Ask "
        "the issuer for a signed credential."
    ),
    "PROOF_UNSUPPORTED": "The credential's proof uses a method Badgekeeper does not support yet.",
    "DID_UNSUPPORTED": (
        "The issuer is identified by a DID method Badgekeeper cannot resolve (did:key and "
        "did:web are supported)."
    ),
    "CLAIMS_MISMATCH": (
        "The signed token's claims (issuer, id, subject or dates) disagree with the credential "
        "inside it. Do not trust it."
    ),
    # --- verification: status, dates, recipient (1400s) ---
    "REVOKED": "The issuer has revoked this badge. Ask the issuer if you think this is a mistake.",
    "EXPIRED": "This badge has expired. Ask the issuer whether it can be renewed.",
    "NOT_YET_VALID": (
        "This badge is dated in the future. Check your computer's clock; otherwise ask the issuer."
    ),
    "RECIPIENT_MISMATCH": (
        "The badge was issued to a different recipient than your addresses. Add that address "
        "under Settings → My addresses, or ask the issuer to re-issue it."
    ),
    "RECIPIENT_HASH_UNSUPPORTED": (
        "The badge's recipient is hashed with an algorithm the specification does not allow."
    ),
    "STATUS_UNAVAILABLE": (
        "The issuer's revocation or status list could not be checked. Try again later."
    ),
    # --- warnings (1500s): reported, the badge can still be valid ---
    "IMAGE_MISSING": (
        "The badge class has no image. The badge is still valid; the popup shows a placeholder."
    ),
    "UPGRADED_LEGACY": (
        "This is an Open Badges 1.x badge, read as 2.0. It is still valid; newer issuers use 2.0 "
        "or 3.0."
    ),
    "RECIPIENT_NOT_CHECKED": (
        "The recipient was not checked: add your e-mail addresses under Settings → My addresses."
    ),
    # --- library (1600s) ---
    "BADGE_NOT_FOUND": (
        "No saved badge has this id. Run `badgekeeper list` to see the ids of your badges."
    ),
    "LIBRARY_CORRUPT": (
        "The badge library file is damaged or is not a Badgekeeper library. A copy was kept "
        "beside it; move the damaged file away (or restore a backup) and Badgekeeper starts a "
        "new one."
    ),
    "LIBRARY_TOO_NEW": (
        "The badge library was written by a newer Badgekeeper. Upgrade Badgekeeper; your badges "
        "are untouched."
    ),
    "COLLECTION_NOT_FOUND": "No collection has this id. List your collections to see which exist.",
    "INVALID_ARGUMENT": (
        "A value given to the library is not acceptable. Check the value and try again."
    ),
    "LIBRARY_BUSY": (
        "The badge library stayed locked by another Badgekeeper process for too long. Try again "
        "in a moment."
    ),
    "LIBRARY_UNAVAILABLE": (
        "The badge library could not be read or written. Check free disk space and the "
        "permissions of Badgekeeper's data folder."
    ),
    "BADGE_ID_AMBIGUOUS": (
        "Several saved badges start with this id. Type more characters of the id."
    ),
    # --- agent (1700s): reaching the agent and speaking its protocol ---
    "AGENT_UNAVAILABLE": (
        "The Badgekeeper agent is not running and could not be started. Run `badgekeeper serve` "
        "in a terminal to see why, or `badgekeeper doctor`."
    ),
    "UNAUTHORIZED": (
        "The agent refused the connection: its token was missing or wrong. Only Badgekeeper's "
        "own programs of the same user may connect; if this persists, restart the agent."
    ),
    "ORIGIN_REFUSED": (
        "The agent refuses connections from web pages. Reach it through the browser extension or "
        "the `badgekeeper` command."
    ),
    "MESSAGE_TOO_LARGE": (
        "The message is larger than the agent accepts (64 MiB). Badges are far smaller; send the "
        "badge image itself, not a larger file."
    ),
    "AGENT_BUSY": (
        "The agent is busy (too many connections, or it is stopping). Try again in a moment."
    ),
    "RESULT_TOO_LARGE": (
        "The answer is too large to send to the browser. Use the `badgekeeper` command instead, "
        "for example `badgekeeper export ID`."
    ),
    "PROTOCOL_ERROR": (
        "The message does not follow the agent's protocol (JSON-RPC 2.0, docs/PROTOCOL.md). Make "
        "sure the extension and Badgekeeper are the same version."
    ),
    "INSTALL_FAILED": (
        "The native host could not be registered with the browser: a file or registry key could "
        "not be written or removed. Check the permissions of the path named; for --system, run "
        "the command as root or administrator. `badgekeeper doctor` shows what is in place."
    ),
    # --- share (1850s) ---
    "NO_PUBLIC_URL": (
        "This badge has no public address yet: upload it to a backpack first (badgekeeper upload "
        "ID), then share."
    ),
    "EXPORT_FOLDER_IN_USE": (
        "The folder for the collection's page holds other files. Choose a new or empty folder "
        "(an earlier Badgekeeper page there is replaced)."
    ),
    # --- backpack (1800s): uploading to backpacks and connecting them ---
    "BACKPACK_NOT_FOUND": (
        "No backpack has this name. Run `badgekeeper backpack list` to see yours, or add one "
        "with `badgekeeper backpack add`."
    ),
    "BACKPACK_EXISTS": (
        "A backpack with this name exists already. Pick another name, or remove the old one first."
    ),
    "BACKPACK_NOT_CONNECTED": (
        "This backpack is not connected yet. Run `badgekeeper backpack connect NAME`; queued "
        "uploads start once it is connected."
    ),
    "BACKPACK_RECONNECT": (
        "The backpack no longer accepts Badgekeeper's sign-in. Run `badgekeeper backpack connect "
        "NAME` again; queued uploads wait and continue afterwards."
    ),
    "BACKPACK_UNREACHABLE": (
        "The backpack could not be reached. Check your connection; Badgekeeper retries queued "
        "uploads by itself."
    ),
    "BACKPACK_TIMEOUT": (
        "The backpack did not answer in time. Badgekeeper retries queued uploads by itself."
    ),
    "BACKPACK_SERVER_ERROR": (
        "The backpack answered with a server error. Badgekeeper retries queued uploads by "
        "itself; if it persists, tell the backpack's operator."
    ),
    "BACKPACK_REJECTED": (
        "The backpack refused this badge. Check the badge's verdict with `badgekeeper show ID`; "
        "the backpack's reason is in the message."
    ),
    "BACKPACK_RECIPIENT_MISMATCH": (
        "The badge was issued to an address your backpack account does not have. Add and verify "
        "that address in the backpack, then upload again."
    ),
    "BACKPACK_UNSUPPORTED_BADGE": (
        "This kind of backpack does not take this kind of badge (Badge Connect and Badgr take "
        "Open Badges 2.0, the OB 3.0 API takes 3.0). Upload it to another backpack."
    ),
    "BACKPACK_DISCOVERY_FAILED": (
        "The backpack's address does not publish the API it was added as. Check the URL and the "
        "kind given to `badgekeeper backpack add`."
    ),
    "BACKPACK_AUTH_FAILED": (
        "Signing in to the backpack failed (wrong user name or password, or the request was not "
        "approved). Try `badgekeeper backpack connect NAME` again."
    ),
    "BACKPACK_PROTOCOL_ERROR": (
        "The backpack answered something Badgekeeper cannot read. Check the backpack's URL and "
        "kind; if they are right, tell the backpack's operator."
    ),
    # --- internal (1900s) ---
    "INTERNAL_ERROR": "Badgekeeper hit an unexpected problem. Please report it with the log file.",
}
