"""A sample issuer: the documents an Open Badges issuer publishes, and badges baked to an address.

It issues OB 2.0 hosted and signed (JWS, RS256) assertions and OB 3.0 credentials as VC-JWT
(RS256) and with a Data Integrity proof (eddsa-rdfc-2022), with a revocation list (OB 2.0) and a
Bitstring status list (OB 3.0). Everything it publishes lives in :attr:`SampleIssuer.documents`
keyed by path; :mod:`agent.sandbox.issuer_app` serves them over HTTP. Keys are made fresh for
each issuer (nothing here is a secret worth keeping).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import RSAKey

from agent.bakery import bake
from agent.sandbox.artwork import badge_png, badge_svg
from agent.sandbox.ob3_documents import OB3_CONTEXT, issuer_profile, status_list_credential
from agent.verify.ob3.signing import (
    add_data_integrity_proof,
    multikey_from_ed25519,
    sign_vc_jwt,
)

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
STATUS_LIST_BITS = 131_072  # the Bitstring Status List minimum (16 KB)

BADGE_CLASSES = {
    "teamwork": ("Teamwork", "Collaborates within a group to reach a shared goal."),
    "python": ("Python Foundations", "Writes, tests and documents small Python programs."),
    "safety": ("Lab Safety", "Follows the laboratory safety procedures."),
    "research": ("Research Methods", "Designs and reports a small empirical study."),
}

Revocation = Literal["none", "gone", "flag", "list"]


@dataclass(frozen=True)
class Document:
    """One published resource: body, media type, HTTP status."""

    body: bytes
    content_type: str = "application/ld+json"
    status: int = 200


@dataclass(frozen=True)
class IssuedBadge:
    """A badge as the earner receives it: the payload and the baked image."""

    label: str
    payload: str
    image: bytes
    media_type: str
    assertion_id: str

    @property
    def extension(self) -> str:
        return "svg" if self.media_type == "image/svg+xml" else "png"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _json(document: Any) -> Document:
    return Document(json.dumps(document, indent=2).encode("utf-8"))


def hashed_email(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.lower() + salt).encode("utf-8")).hexdigest()


@dataclass
class SampleIssuer:
    """An issuer rooted at ``base_url`` (e.g. ``http://127.0.0.1:8123``)."""

    base_url: str
    name: str = "Badgekeeper Sandbox Academy"
    documents: dict[str, Document] = field(default_factory=dict)
    rsa_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    ed_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    _revoked_ob2: list[dict[str, str]] = field(default_factory=list)
    _status_bits: bytearray = field(default_factory=lambda: bytearray(STATUS_LIST_BITS // 8))
    _next_status_index: int = 1

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._publish_ob2_issuer()
        self._publish_ob3_issuer()
        for slug, (label, _) in BADGE_CLASSES.items():
            self._publish_badge_class(slug)
            self.documents[f"/images/{slug}.png"] = Document(badge_png(slug, label), "image/png")
            self.documents[f"/images/{slug}.svg"] = Document(
                badge_svg(slug, label), "image/svg+xml"
            )
        self._publish_status_list()

    # ---- identifiers -------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def ob2_issuer_id(self) -> str:
        return self.url("/ob2/issuer")

    @property
    def ob3_issuer_id(self) -> str:
        return self.url("/ob3/issuer")

    # ---- published documents -------------------------------------------------------------
    def _publish_ob2_issuer(self) -> None:
        self.documents["/ob2/issuer"] = _json(
            {
                "@context": OB2_CONTEXT,
                "type": "Issuer",
                "id": self.ob2_issuer_id,
                "name": self.name,
                "url": self.base_url + "/",
                "email": "badges@sandbox.example",
                "publicKey": self.url("/ob2/issuer/key"),
                "revocationList": self.url("/ob2/issuer/revocations"),
            }
        )
        self.documents["/ob2/issuer/key"] = _json(
            {
                "@context": OB2_CONTEXT,
                "type": "CryptographicKey",
                "id": self.url("/ob2/issuer/key"),
                "owner": self.ob2_issuer_id,
                "publicKeyPem": self.rsa_key.as_pem(private=False).decode("ascii"),
            }
        )
        self._publish_revocation_list()

    def _publish_revocation_list(self) -> None:
        self.documents["/ob2/issuer/revocations"] = _json(
            {
                "@context": OB2_CONTEXT,
                "type": "RevocationList",
                "id": self.url("/ob2/issuer/revocations"),
                "issuer": self.ob2_issuer_id,
                "revokedAssertions": self._revoked_ob2,
            }
        )

    def _publish_badge_class(self, slug: str) -> None:
        label, description = BADGE_CLASSES[slug]
        self.documents[f"/ob2/badges/{slug}"] = _json(
            {
                "@context": OB2_CONTEXT,
                "type": "BadgeClass",
                "id": self.url(f"/ob2/badges/{slug}"),
                "name": label,
                "description": description,
                "image": self.url(f"/images/{slug}.png"),
                "criteria": {"narrative": f"Earners of {label} showed: {description.lower()}"},
                "issuer": self.ob2_issuer_id,
            }
        )

    def _publish_ob3_issuer(self) -> None:
        self.documents["/ob3/issuer"] = _json(
            issuer_profile(
                self.ob3_issuer_id,
                name=self.name,
                url=self.base_url + "/",
                ed25519_multikey=multikey_from_ed25519(self.ed_key.public_key()),
                rsa_jwk=self.rsa_key.as_dict(private=False),
            )
        )

    def _publish_status_list(self) -> None:
        self.documents["/ob3/status/revocation"] = _json(
            status_list_credential(
                self.url("/ob3/status/revocation"), self.ob3_issuer_id, bytes(self._status_bits)
            )
        )

    # ---- issuing ---------------------------------------------------------------------
    def _ob2_assertion(
        self,
        slug: str,
        email: str,
        *,
        assertion_id: str,
        issued: datetime,
        expires: datetime | None,
    ) -> dict[str, Any]:
        salt = secrets.token_hex(8)
        assertion: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": assertion_id,
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": salt,
                "identity": hashed_email(email, salt),
            },
            "badge": self.url(f"/ob2/badges/{slug}"),
            "issuedOn": _iso(issued),
            "verification": {"type": "hosted"},
        }
        if expires is not None:
            assertion["expires"] = _iso(expires)
        return assertion

    def issue_ob2_hosted(
        self,
        email: str,
        slug: str = "teamwork",
        *,
        revocation: Revocation = "none",
        expires: datetime | None = None,
        issued: datetime | None = None,
        svg: bool = False,
        badgr_style: bool = False,
    ) -> IssuedBadge:
        """A hosted OB 2.0 assertion, published at its id, baked into a PNG (or SVG).

        ``badgr_style`` publishes it as Badgr does: the id is ``/public/assertions/<key>``, an
        unbaked image at ``<id>/image``. Every assertion also gets an HTML page at
        ``/pages/<key>`` naming its JSON with ``<link rel="alternate">``.
        """
        key = secrets.token_hex(6)
        path = f"/public/assertions/{key}" if badgr_style else f"/ob2/assertions/{key}"
        label = BADGE_CLASSES[slug][0]
        self.documents[f"{path}/image"] = Document(badge_png(slug, label), "image/png")
        self.documents[f"/pages/{key}"] = Document(
            (
                "<!doctype html><html><head><title>Badge</title>"
                f'<link rel="alternate" type="application/ld+json" href="{path}">'
                f"</head><body><h1>{label}</h1></body></html>"
            ).encode(),
            "text/html",
        )
        issued_on = issued or datetime.now(timezone.utc) - timedelta(days=3)
        assertion = self._ob2_assertion(
            slug, email, assertion_id=self.url(path), issued=issued_on, expires=expires
        )
        if revocation == "gone":
            self.documents[path] = Document(b"", "text/plain", 410)
        elif revocation == "flag":
            revoked = {**assertion, "revoked": True, "revocationReason": "Issued in error"}
            self.documents[path] = _json(revoked)
        else:
            self.documents[path] = _json(assertion)
        payload = json.dumps(assertion, indent=2)
        return self._baked(slug, payload, assertion["id"], svg=svg)

    def issue_ob2_signed(
        self, email: str, slug: str = "python", *, revoked: bool = False, svg: bool = False
    ) -> IssuedBadge:
        """A signed OB 2.0 assertion (JWS, RS256, key owned by the issuer)."""
        assertion = self._ob2_assertion(
            slug,
            email,
            assertion_id=f"urn:uuid:{secrets.token_hex(16)}",
            issued=datetime.now(timezone.utc) - timedelta(days=2),
            expires=None,
        )
        assertion["verification"] = {"type": "signed", "creator": self.url("/ob2/issuer/key")}
        token = jws.serialize_compact(
            {"alg": "RS256"}, json.dumps(assertion).encode("utf-8"), self.rsa_key
        )
        if revoked:
            self._revoked_ob2.append({"id": assertion["id"], "revocationReason": "Withdrawn"})
            self._publish_revocation_list()
        return self._baked(slug, token, assertion["id"], svg=svg)

    def _ob3_credential(
        self, slug: str, email: str, *, valid_until: datetime | None, revoked: bool
    ) -> dict[str, Any]:
        label, description = BADGE_CLASSES[slug]
        salt = secrets.token_hex(8)
        index = self._next_status_index
        self._next_status_index += 1
        if revoked:
            self._status_bits[index // 8] |= 0x80 >> (index % 8)
            self._publish_status_list()
        credential: dict[str, Any] = {
            "@context": OB3_CONTEXT,
            "id": self.url(f"/ob3/credentials/{secrets.token_hex(6)}"),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {
                "id": self.ob3_issuer_id,
                "type": ["Profile"],
                "name": self.name,
                "url": self.base_url + "/",
            },
            "validFrom": _iso(datetime.now(timezone.utc) - timedelta(days=1)),
            "name": label,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityHash": hashed_email(email, salt),
                        "identityType": "emailAddress",
                        "hashed": True,
                        "salt": salt,
                    }
                ],
                "achievement": {
                    "id": self.url(f"/ob3/achievements/{slug}"),
                    "type": ["Achievement"],
                    "name": label,
                    "description": description,
                    "criteria": {"narrative": f"Earners showed: {description.lower()}"},
                    "image": {"id": self.url(f"/images/{slug}.png"), "type": "Image"},
                },
            },
            "credentialStatus": {
                "id": self.url(f"/ob3/status/revocation#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(index),
                "statusListCredential": self.url("/ob3/status/revocation"),
            },
        }
        if valid_until is not None:
            credential["validUntil"] = _iso(valid_until)
        return credential

    def issue_ob3_jwt(
        self, email: str, slug: str = "research", *, revoked: bool = False, svg: bool = False
    ) -> IssuedBadge:
        """An OB 3.0 credential as a VC-JWT signed RS256 with the issuer's JsonWebKey."""
        credential = self._ob3_credential(slug, email, valid_until=None, revoked=revoked)
        private_key = self.rsa_key.private_key
        if private_key is None:  # generate_key always makes a private key; keep mypy honest
            raise RuntimeError("the sample issuer's RSA key has no private part")
        token = sign_vc_jwt(
            credential, private_key, kid=self.ob3_issuer_id + "#key-rsa", alg="RS256"
        )
        return self._baked(slug, token, credential["id"], svg=svg)

    def issue_ob3_data_integrity(
        self,
        email: str,
        slug: str = "safety",
        *,
        revoked: bool = False,
        valid_until: datetime | None = None,
        svg: bool = True,
    ) -> IssuedBadge:
        """An OB 3.0 credential with an eddsa-rdfc-2022 Data Integrity proof."""
        credential = self._ob3_credential(slug, email, valid_until=valid_until, revoked=revoked)
        signed = add_data_integrity_proof(
            credential,
            self.ed_key,
            verification_method=self.ob3_issuer_id + "#key-ed25519",
            created=_iso(datetime.now(timezone.utc) - timedelta(hours=1)),
        )
        return self._baked(slug, json.dumps(signed, indent=2), credential["id"], svg=svg)

    def _baked(self, slug: str, payload: str, assertion_id: str, *, svg: bool) -> IssuedBadge:
        label = BADGE_CLASSES[slug][0]
        if svg:
            image = bake(badge_svg(slug, label), payload)
            return IssuedBadge(label, payload, image, "image/svg+xml", assertion_id)
        image = bake(badge_png(slug, label), payload)
        return IssuedBadge(label, payload, image, "image/png", assertion_id)
