"""What Badgekeeper knows about each backpack, apart from secrets: kind, URL, endpoints, account.

Rules:
- Kept in the library's settings under ``backpacks`` (name → object): nothing here is secret.
  Tokens and client secrets live in the token file (:mod:`agent.backpack.tokens`).
- A stored entry that no longer reads (hand-edited, older version) is skipped, never fatal.
- Names are short and plain (letters, digits, ``.``, ``_``, ``-``) so they work as CLI arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

from agent.backpack.errors import BackpackError
from agent.errors import ErrorCode

BackpackKind = Literal["badge-connect", "ob3", "badgr"]
KINDS: tuple[BackpackKind, ...] = ("badge-connect", "ob3", "badgr")
KIND_LABELS: dict[str, str] = {
    "badge-connect": "Badge Connect 2.1",
    "ob3": "Open Badges 3.0 API",
    "badgr": "Badgr / Canvas Credentials v2",
}
# Which badges each kind takes: Badge Connect and Badgr's import speak Open Badges 2.0.
KIND_SPECS: dict[str, str] = {"badge-connect": "ob2", "ob3": "ob3", "badgr": "ob2"}
SETTINGS_KEY = "backpacks"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise BackpackError(
            ErrorCode.INVALID_ARGUMENT,
            f"{name[:60]!r} cannot name a backpack: use 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )
    return name


def check_kind(kind: str) -> BackpackKind:
    for known in KINDS:
        if kind == known:
            return known
    raise BackpackError(
        ErrorCode.INVALID_ARGUMENT, f"A backpack kind is one of {', '.join(KINDS)}, not {kind!r}."
    )


@dataclass(frozen=True)
class Endpoints:
    """Where a backpack's API and its OAuth endpoints are, as discovery found them."""

    api_base: str
    token_url: str
    registration_url: str | None = None
    authorization_url: str | None = None
    revocation_url: str | None = None
    scopes: tuple[str, ...] = ()
    provider_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "api_base": self.api_base,
            "token_url": self.token_url,
            "registration_url": self.registration_url,
            "authorization_url": self.authorization_url,
            "revocation_url": self.revocation_url,
            "scopes": list(self.scopes),
            "provider_name": self.provider_name,
        }

    @classmethod
    def from_json(cls, value: Any) -> Endpoints | None:
        if not isinstance(value, dict):
            return None
        api_base, token_url = value.get("api_base"), value.get("token_url")
        if not isinstance(api_base, str) or not isinstance(token_url, str):
            return None
        scopes = value.get("scopes")
        return cls(
            api_base=api_base,
            token_url=token_url,
            registration_url=_text(value.get("registration_url")),
            authorization_url=_text(value.get("authorization_url")),
            revocation_url=_text(value.get("revocation_url")),
            scopes=tuple(s for s in scopes if isinstance(s, str))
            if isinstance(scopes, list)
            else (),
            provider_name=_text(value.get("provider_name")),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class BackpackConfig:
    """One backpack. ``account`` is the e-mail address its account uses, once known."""

    name: str
    kind: BackpackKind
    url: str
    added_at: str
    default: bool = False
    username: str | None = None
    account: str | None = None
    endpoints: Endpoints | None = None
    connected_at: str | None = None
    needs_reconnect: bool = False

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def accepts(self, spec: str | None) -> bool:
        """True when this kind of backpack takes a badge of ``spec`` (``ob2`` or ``ob3``)."""
        return spec is not None and KIND_SPECS[self.kind] == spec

    def with_changes(self, **changes: Any) -> BackpackConfig:
        return replace(self, **changes)

    def to_stored(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "added_at": self.added_at,
            "default": self.default,
            "username": self.username,
            "account": self.account,
            "endpoints": self.endpoints.to_json() if self.endpoints else None,
            "connected_at": self.connected_at,
            "needs_reconnect": self.needs_reconnect,
        }

    @classmethod
    def from_stored(cls, name: str, value: Any) -> BackpackConfig | None:
        if not isinstance(value, dict) or not _NAME.fullmatch(name):
            return None
        kind, url = value.get("kind"), value.get("url")
        if kind not in KINDS or not isinstance(url, str):
            return None
        return cls(
            name=name,
            kind=cast(BackpackKind, kind),
            url=url,
            added_at=_text(value.get("added_at")) or "",
            default=value.get("default") is True,
            username=_text(value.get("username")),
            account=_text(value.get("account")),
            endpoints=Endpoints.from_json(value.get("endpoints")),
            connected_at=_text(value.get("connected_at")),
            needs_reconnect=value.get("needs_reconnect") is True,
        )

    def to_json(self, *, has_tokens: bool) -> dict[str, Any]:
        """The public view (``backpack.list``): never a token, a secret or a password."""
        if self.needs_reconnect:
            status = "reconnect"
        elif has_tokens:
            status = "connected"
        else:
            status = "not_connected"
        return {
            "name": self.name,
            "kind": self.kind,
            "kind_label": self.label,
            "url": self.url,
            "default": self.default,
            "status": status,
            "account": self.account,
            "username": self.username,
            "provider_name": self.endpoints.provider_name if self.endpoints else None,
            "added_at": self.added_at,
            "connected_at": self.connected_at,
        }


def read_configs(stored: Any) -> dict[str, BackpackConfig]:
    """The backpacks in the settings value (entries that do not read are skipped)."""
    if not isinstance(stored, dict):
        return {}
    configs: dict[str, BackpackConfig] = {}
    for name, value in stored.items():
        config = BackpackConfig.from_stored(name, value) if isinstance(name, str) else None
        if config is not None:
            configs[name] = config
    return configs


def stored_configs(configs: dict[str, BackpackConfig]) -> dict[str, Any]:
    return {name: config.to_stored() for name, config in sorted(configs.items())}
