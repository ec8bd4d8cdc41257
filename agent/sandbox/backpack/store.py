"""The sandbox backpack's data: accounts, OAuth clients, codes and tokens, badges, collections.

One SQLite file in the sandbox's folder (a temporary one unless given). The sandbox is a test
peer on loopback, so its calls are small and synchronous. Rules that matter to the tests:

- A badge is held once per account (``UNIQUE (account_id, assertion_id)``): a second upload of
  it is answered as a duplicate, never stored twice. ``created`` counts real creations.
- Tokens and client secrets are stored as SHA-256 digests, and compared as digests.
- A badge issued to an address an account has shows up in that account as ``pending`` (auto-
  association); uploading it accepts it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS accounts (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, password_hash TEXT NOT NULL,
        salt TEXT NOT NULL, created_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS account_emails (
        account_id INTEGER NOT NULL REFERENCES accounts (id), email TEXT NOT NULL UNIQUE,
        shown TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 1, position INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS clients (
        client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL, scope TEXT NOT NULL, created_at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS codes (
        code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, account_id INTEGER NOT NULL,
        redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, scope TEXT NOT NULL,
        expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS tokens (
        access_hash TEXT PRIMARY KEY, refresh_hash TEXT UNIQUE, client_id TEXT NOT NULL,
        account_id INTEGER NOT NULL, scope TEXT NOT NULL, expires_at REAL NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0, refresh_revoked INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS badges (
        id TEXT PRIMARY KEY, account_id INTEGER NOT NULL, assertion_id TEXT NOT NULL,
        spec TEXT NOT NULL, payload_kind TEXT NOT NULL, payload TEXT NOT NULL,
        image BLOB, image_type TEXT, image_url TEXT, name TEXT, description TEXT,
        issuer_name TEXT, issued_on TEXT, state TEXT NOT NULL, created_at REAL NOT NULL,
        UNIQUE (account_id, assertion_id))""",
    """CREATE TABLE IF NOT EXISTS collections (
        id TEXT PRIMARY KEY, account_id INTEGER NOT NULL, name TEXT NOT NULL,
        description TEXT NOT NULL, published INTEGER NOT NULL, badge_ids TEXT NOT NULL)""",
)
CODE_TTL = 300.0


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _password_hash(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()


@dataclass(frozen=True)
class Grant:
    """What a valid access token allows: whose account, which scopes."""

    account_id: int
    scopes: frozenset[str]
    client_id: str


@dataclass(frozen=True)
class StoredBadge:
    id: str
    account_id: int
    assertion_id: str
    spec: str
    payload_kind: str
    payload: str
    image: bytes | None
    image_type: str | None
    image_url: str | None
    name: str | None
    description: str | None
    issuer_name: str | None
    issued_on: str | None
    state: str


class SandboxStore:
    """The sandbox backpack's SQLite file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode = WAL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self.created: Counter[str] = Counter()  # assertion id -> creations (should stay ≤ 1)

    def close(self) -> None:
        self._db.close()

    # --- accounts ---

    def add_account(self, email: str, password: str, name: str = "Sandbox Earner") -> int:
        existing = self.account_for_email(email)
        if existing is not None:
            return existing
        salt = secrets.token_hex(8)
        cursor = self._db.execute(
            "INSERT INTO accounts (name, password_hash, salt, created_at) VALUES (?, ?, ?, ?)",
            (name, _password_hash(password, salt), salt, self.clock()),
        )
        account_id = int(cursor.lastrowid or 0)
        self.add_email(account_id, email)
        return account_id

    def add_email(self, account_id: int, email: str, *, verified: bool = True) -> None:
        position = self._db.execute(
            "SELECT count(*) FROM account_emails WHERE account_id = ?", (account_id,)
        ).fetchone()[0]
        self._db.execute(
            "INSERT OR IGNORE INTO account_emails (account_id, email, shown, verified, position) "
            "VALUES (?, ?, ?, ?, ?)",
            (account_id, email.strip().casefold(), email.strip(), int(verified), position),
        )

    def account_for_email(self, email: str) -> int | None:
        row = self._db.execute(
            "SELECT account_id FROM account_emails WHERE email = ?", (email.strip().casefold(),)
        ).fetchone()
        return int(row[0]) if row else None

    def check_password(self, email: str, password: str) -> int | None:
        account_id = self.account_for_email(email)
        if account_id is None:
            return None
        row = self._db.execute(
            "SELECT password_hash, salt FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        good = secrets.compare_digest(row["password_hash"], _password_hash(password, row["salt"]))
        return account_id if good else None

    def emails(self, account_id: int) -> list[tuple[str, bool]]:
        rows = self._db.execute(
            "SELECT shown, verified FROM account_emails WHERE account_id = ? ORDER BY position",
            (account_id,),
        )
        return [(row["shown"], bool(row["verified"])) for row in rows]

    def account_name(self, account_id: int) -> str:
        row = self._db.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return str(row[0]) if row else ""

    # --- OAuth clients, codes, tokens ---

    def register_client(self, name: str, redirect_uris: list[str], scope: str) -> tuple[str, str]:
        client_id = "sandbox-" + secrets.token_hex(8)
        secret = secrets.token_urlsafe(24)
        self._db.execute(
            "INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?)",
            (client_id, digest(secret), name, json.dumps(redirect_uris), scope, self.clock()),
        )
        return client_id, secret

    def client(self, client_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM clients WHERE client_id = ?", (client_id,)).fetchone()
        if row is None:
            return None
        return {
            "client_id": row["client_id"],
            "name": row["name"],
            "redirect_uris": json.loads(row["redirect_uris"]),
            "scope": row["scope"],
            "secret_hash": row["secret_hash"],
        }

    def check_client(self, client_id: str, secret: str) -> bool:
        found = self.client(client_id)
        return found is not None and secrets.compare_digest(found["secret_hash"], digest(secret))

    def new_code(
        self, client_id: str, account_id: int, redirect_uri: str, challenge: str, scope: str
    ) -> str:
        code = secrets.token_urlsafe(24)
        self._db.execute(
            "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (
                digest(code),
                client_id,
                account_id,
                redirect_uri,
                challenge,
                scope,
                self.clock() + CODE_TTL,
            ),
        )
        return code

    def take_code(self, code: str) -> sqlite3.Row | None:
        """The code's row, once: a code used twice is refused (and stays used)."""
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM codes WHERE code_hash = ?", (digest(code),)
        ).fetchone()
        if row is None or row["used"] or row["expires_at"] < self.clock():
            return None
        self._db.execute("UPDATE codes SET used = 1 WHERE code_hash = ?", (digest(code),))
        return row

    def new_tokens(
        self, client_id: str, account_id: int, scope: str, ttl: float
    ) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO tokens (access_hash, refresh_hash, client_id, account_id, scope, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (digest(access), digest(refresh), client_id, account_id, scope, self.clock() + ttl),
        )
        return access, refresh

    def grant_for(self, access: str) -> Grant | None:
        row = self._db.execute(
            "SELECT * FROM tokens WHERE access_hash = ?", (digest(access),)
        ).fetchone()
        if row is None or row["revoked"] or row["expires_at"] < self.clock():
            return None
        return Grant(row["account_id"], frozenset(row["scope"].split()), row["client_id"])

    def take_refresh(self, refresh: str) -> sqlite3.Row | None:
        """The token row of a live refresh token, which is used up (rotation)."""
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM tokens WHERE refresh_hash = ?", (digest(refresh),)
        ).fetchone()
        if row is None or row["refresh_revoked"]:
            return None
        self._db.execute(
            "UPDATE tokens SET refresh_revoked = 1, revoked = 1 WHERE refresh_hash = ?",
            (digest(refresh),),
        )
        return row

    def revoke(self, token: str) -> None:
        hashed = digest(token)
        self._db.execute("UPDATE tokens SET revoked = 1 WHERE access_hash = ?", (hashed,))
        self._db.execute(
            "UPDATE tokens SET revoked = 1, refresh_revoked = 1 WHERE refresh_hash = ?", (hashed,)
        )

    def expire_access_tokens(self) -> None:
        """Fault: every access token stops working now; refresh tokens still do."""
        self._db.execute("UPDATE tokens SET revoked = 1")

    def revoke_everything(self) -> None:
        """Fault: the user revoked Badgekeeper at the backpack; nothing works until reconnect."""
        self._db.execute("UPDATE tokens SET revoked = 1, refresh_revoked = 1")

    # --- badges ---

    def badge(self, badge_id: str) -> StoredBadge | None:
        row = self._db.execute("SELECT * FROM badges WHERE id = ?", (badge_id,)).fetchone()
        return _badge(row) if row else None

    def badge_by_assertion(self, account_id: int, assertion_id: str) -> StoredBadge | None:
        row = self._db.execute(
            "SELECT * FROM badges WHERE account_id = ? AND assertion_id = ?",
            (account_id, assertion_id),
        ).fetchone()
        return _badge(row) if row else None

    def badges(self, account_id: int, *, accepted_only: bool = False) -> list[StoredBadge]:
        sql = "SELECT * FROM badges WHERE account_id = ?"
        if accepted_only:
            sql += " AND state = 'accepted'"
        rows = self._db.execute(sql + " ORDER BY created_at DESC, id", (account_id,))
        return [_badge(row) for row in rows]

    def keep_badge(self, badge: StoredBadge) -> tuple[StoredBadge, bool]:
        """Store an accepted badge; ``(stored, created)`` — False when the account had it.

        A pending badge (auto-associated) is accepted by its first upload: that is its
        creation as far as the earner can see.
        """
        held = self.badge_by_assertion(badge.account_id, badge.assertion_id)
        if held is not None and held.state == "accepted":
            return held, False
        if held is not None:
            self._db.execute(
                "UPDATE badges SET state = 'accepted', payload = ?, payload_kind = ?, "
                "image = coalesce(?, image), image_type = coalesce(?, image_type) WHERE id = ?",
                (badge.payload, badge.payload_kind, badge.image, badge.image_type, held.id),
            )
        else:
            self._insert(badge)
        self.created[badge.assertion_id] += 1
        stored = self.badge_by_assertion(badge.account_id, badge.assertion_id)
        if stored is None:
            raise RuntimeError("a badge just stored cannot be read back")
        return stored, True

    def associate(self, badge: StoredBadge) -> None:
        """Auto-association: a badge issued to an account's address appears as pending."""
        if self.badge_by_assertion(badge.account_id, badge.assertion_id) is None:
            self._insert(badge)

    def _insert(self, badge: StoredBadge) -> None:
        self._db.execute(
            "INSERT INTO badges (id, account_id, assertion_id, spec, payload_kind, payload, "
            "image, image_type, image_url, name, description, issuer_name, issued_on, state, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                badge.id,
                badge.account_id,
                badge.assertion_id,
                badge.spec,
                badge.payload_kind,
                badge.payload,
                badge.image,
                badge.image_type,
                badge.image_url,
                badge.name,
                badge.description,
                badge.issuer_name,
                badge.issued_on,
                badge.state,
                self.clock(),
            ),
        )

    # --- collections ---

    def collections(self, account_id: int) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT * FROM collections WHERE account_id = ? ORDER BY name", (account_id,)
        )
        return [_collection(row) for row in rows]

    def collection(self, collection_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM collections WHERE id = ?", (collection_id,)
        ).fetchone()
        return _collection(row) if row else None

    def save_collection(
        self,
        account_id: int,
        name: str,
        description: str,
        badge_ids: list[str],
        collection_id: str | None = None,
    ) -> dict[str, Any]:
        collection_id = collection_id or secrets.token_hex(6)
        self._db.execute(
            "INSERT INTO collections VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET "
            "name = excluded.name, description = excluded.description, "
            "badge_ids = excluded.badge_ids",
            (collection_id, account_id, name, description, json.dumps(badge_ids)),
        )
        found = self.collection(collection_id)
        if found is None:
            raise RuntimeError("a collection just stored cannot be read back")
        return found


def _badge(row: sqlite3.Row) -> StoredBadge:
    return StoredBadge(**{key: row[key] for key in StoredBadge.__dataclass_fields__})


def _collection(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "name": row["name"],
        "description": row["description"],
        "badge_ids": json.loads(row["badge_ids"]),
    }
