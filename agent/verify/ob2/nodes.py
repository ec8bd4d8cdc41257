"""Reading Open Badges 2.0 JSON nodes, whose every value may be of the wrong JSON type.

Rules:
- Nothing here raises on a value of the wrong type: helpers answer ``None`` (or an empty list) and
  the caller decides whether that is MISSING_PROPERTY or INVALID_PROPERTY.
- A node reference is a string IRI or an object with an ``id`` (JSON-LD's ``@id`` too).
- Types compare by local name: ``Assertion``, ``obi:Assertion`` and
  ``https://w3id.org/openbadges#Assertion`` are the same type.
- Ids compare as resources: scheme and host case-insensitively, default ports dropped, the
  fragment ignored, one trailing slash ignored. Non-web ids (``urn:uuid:…``) compare exactly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

Node = dict[str, Any]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def first_present(node: Node, *names: str) -> Any:
    """The value of the first of ``names`` the node has (aliases: verify/verification)."""
    for name in names:
        if name in node:
            return node[name]
    return None


def reference_id(value: Any) -> str | None:
    """The IRI a reference names: the string itself, or an embedded object's ``id``."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        inner = first_present(value, "id", "@id")
        if isinstance(inner, str) and inner.strip():
            return inner.strip()
    return None


def text_value(value: Any) -> str | None:
    """A non-empty string, or None for anything else."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def as_list(value: Any) -> list[Any]:
    """JSON-LD's single-or-many: a list as is, None as empty, anything else as a list of one."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def local_name(term: str) -> str:
    """``obi:Assertion`` and ``https://w3id.org/openbadges#Assertion`` both become ``Assertion``."""
    for separator in ("#", "/", ":"):
        if separator in term:
            term = term.rsplit(separator, 1)[1]
    return term


def local_types(node: Node) -> set[str]:
    """The local names of the node's ``type`` (or ``@type``), ignoring non-string entries."""
    return {
        local_name(entry)
        for entry in as_list(first_present(node, "type", "@type"))
        if isinstance(entry, str)
    }


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None when unusable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


def _resource_key(value: str) -> str:
    text = value.strip()
    origin = origin_of(text)
    if origin is None:
        return text
    scheme, host, port = origin
    parts = urlsplit(text)
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    shown_port = "" if port == _DEFAULT_PORTS[scheme] else f":{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{shown_port}{path}{query}"


def same_resource(first: Any, second: Any) -> bool:
    """True when two ids name the same resource (see the module rules)."""
    if not isinstance(first, str) or not isinstance(second, str):
        return False
    return _resource_key(first) == _resource_key(second)


def shown(value: Any, limit: int = 80) -> str:
    """A value as a message may quote it: short, and never a wall of JSON."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
