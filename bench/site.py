"""An issuer's documents as the loopback issuer serves them, and the batch of hosted badges.

Rules:
- One issuer profile, one badge class and one image per site; assertions are the only thing that
  varies, as with a real issuer that awarded one badge to many earners.
- Badge classes, issuer profiles, keys and images may be cached for an hour; assertions and
  revocation lists must be revalidated (``no-cache``), as revocation demands.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from PIL import Image

from bench.issuer import Document

EARNER_EMAIL = "earner@example.org"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "agent" / "verify" / "contexts"
CONTEXT_PATH = "/contexts/openbadges-v2.jsonld"
LONG_CACHE = "public, max-age=3600"
REVALIDATE = "no-cache"


def context_documents() -> dict[str, Document]:
    """The OB 2.0 context, served so validator-core (which fetches it per badge) runs offline."""
    body = (CONTEXTS_DIR / "openbadges-v2.jsonld").read_bytes()
    return {
        CONTEXT_PATH: Document(body, content_type="application/ld+json", cache_control=LONG_CACHE)
    }


def hashed_recipient(email: str, salt: str) -> dict[str, Any]:
    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return {"type": "email", "hashed": True, "salt": salt, "identity": "sha256$" + digest}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def badge_image_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (30, 110, 200, 255)).save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class IssuerSite:
    """The URLs of one issuer's shared documents under ``prefix``."""

    base: str
    prefix: str

    @property
    def issuer_url(self) -> str:
        return f"{self.base}{self.prefix}/issuer.json"

    @property
    def badge_class_url(self) -> str:
        return f"{self.base}{self.prefix}/badge-class.json"

    @property
    def image_url(self) -> str:
        return f"{self.base}{self.prefix}/badge.png"

    @property
    def key_url(self) -> str:
        return f"{self.base}{self.prefix}/key.json"

    @property
    def revocation_list_url(self) -> str:
        return f"{self.base}{self.prefix}/revocations.json"

    def path(self, url: str) -> str:
        return url.removeprefix(self.base)

    def shared_documents(self, *, signed: dict[str, Any] | None = None) -> dict[str, Document]:
        issuer: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": self.issuer_url,
            "name": "Benchmark Academy",
            "url": self.base + "/",
            "email": "badges@benchmark.example",
        }
        documents: dict[str, Document] = {}
        if signed is not None:
            issuer["publicKey"] = self.key_url
            issuer["revocationList"] = self.revocation_list_url
            documents[self.path(self.key_url)] = Document.json(
                signed["key"], cache_control=LONG_CACHE
            )
            documents[self.path(self.revocation_list_url)] = Document.json(
                signed["revocations"], cache_control=REVALIDATE
            )
        badge_class = {
            "@context": OB2_CONTEXT,
            "type": "BadgeClass",
            "id": self.badge_class_url,
            "name": "Benchmarking Basics",
            "description": "Awarded for measuring before optimising.",
            "image": self.image_url,
            "criteria": {"narrative": "Measure twice, cut once."},
            "issuer": self.issuer_url,
        }
        documents[self.path(self.issuer_url)] = Document.json(issuer, cache_control=LONG_CACHE)
        documents[self.path(self.badge_class_url)] = Document.json(
            badge_class, cache_control=LONG_CACHE
        )
        documents[self.path(self.image_url)] = Document(
            badge_image_png(), content_type="image/png", cache_control=LONG_CACHE
        )
        return documents

    def hosted_assertion(self, assertion_id: str, salt: str, **extra: Any) -> dict[str, Any]:
        assertion: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": assertion_id,
            "recipient": hashed_recipient(EARNER_EMAIL, salt),
            "badge": self.badge_class_url,
            "verification": {"type": "HostedBadge"},
            "issuedOn": "2024-03-01T12:00:00Z",
        }
        assertion.update(extra)
        return assertion


def batch_site(
    base: str, count: int, prefix: str = "/batch"
) -> tuple[dict[str, Document], list[str]]:
    """``count`` hosted assertions of one badge class and one issuer; returns documents and URLs."""
    site = IssuerSite(base, prefix)
    documents = site.shared_documents()
    urls = []
    for index in range(count):
        url = f"{base}{prefix}/assertions/{index}.json"
        assertion = site.hosted_assertion(url, salt=f"salt-{index}")
        documents[site.path(url)] = Document.json(assertion, cache_control=REVALIDATE)
        urls.append(url)
    return documents, urls
