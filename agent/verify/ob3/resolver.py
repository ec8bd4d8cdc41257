"""Finding the key that signed a credential, and proving the issuer controls it.

Rules:
- Verification method ids: ``did:key`` (decoded locally), ``did:web`` (DID document fetched from
  the https URL the DID names), or an http(s) URL (the document at the URL without its fragment:
  usually the issuer profile, also a bare method, a JWK or a JWKS). Other DID methods are
  DID_UNSUPPORTED; anything else, or a document that lacks the method, is KEY_UNAVAILABLE.
- A fetch failure while looking for a key is KEY_UNAVAILABLE (the message keeps the cause), except
  a refused address or scheme and the overall deadline, which keep their own codes.
- The issuer controls a key when the key lives in the issuer's own document (the method id,
  without fragment, is the issuer id), or when the issuer's document lists the method. A method
  that names a different controller is KEY_OWNER_MISMATCH either way. A document that states its
  ``assertionMethod`` list must include the method.
- Every document is fetched at most once per verification; the issuer profile, when fetched, is
  kept in ``verdict.documents["issuer"]``.
"""

from __future__ import annotations

from typing import Any

from agent.errors import BadgekeeperError, ErrorCode, FetchError, VerificationError
from agent.verify.context import VerifyContext
from agent.verify.documents import fetch_json
from agent.verify.ob3.keys import (
    PublicKey,
    VerificationMethod,
    assertion_method_allows,
    did_key_method,
    did_method,
    did_web_document_url,
    document_keys,
    find_method,
    key_unavailable,
    keys_equal,
    lists_method,
    split_fragment,
)
from agent.verify.result import Verdict

_KEPT_FETCH_CODES = (
    ErrorCode.ADDRESS_REFUSED,
    ErrorCode.SCHEME_REFUSED,
    ErrorCode.DEADLINE_EXCEEDED,
)


def _shown(value: str) -> str:
    return value if len(value) <= 200 else value[:200] + "…"


def owner_mismatch(message: str) -> VerificationError:
    return VerificationError(ErrorCode.KEY_OWNER_MISMATCH, message)


class KeyResolver:
    """Resolves verification methods for one credential from one issuer."""

    def __init__(self, ctx: VerifyContext, verdict: Verdict, issuer_id: str) -> None:
        self._fetcher = ctx.fetcher
        self._verdict = verdict
        self.issuer_id = issuer_id
        self._documents: dict[str, dict[str, Any]] = {}

    async def _fetch(self, url: str, *, what: str) -> dict[str, Any]:
        if url in self._documents:
            return self._documents[url]
        try:
            document, _response = await fetch_json(self._fetcher, url, what=what)
        except FetchError as exc:
            if exc.code in _KEPT_FETCH_CODES:
                raise
            raise key_unavailable(
                f"The {what} at {_shown(url)} could not be retrieved ({exc.message}) so the "
                "signature cannot be checked. Try again later."
            ) from exc
        except BadgekeeperError as exc:
            raise key_unavailable(
                f"The {what} at {_shown(url)} is not usable ({exc.message})"
            ) from exc
        self._documents[url] = document
        if url == self.issuer_id:
            self._verdict.documents["issuer"] = document
        return document

    async def _did_web_document(self, did: str) -> dict[str, Any]:
        document = await self._fetch(did_web_document_url(did), what="issuer's DID document")
        if document.get("id") != did:
            raise key_unavailable(
                f"The DID document fetched for {_shown(did)} is for "
                f"{_shown(str(document.get('id')))}; it cannot vouch for this key."
            )
        if did == self.issuer_id:
            self._verdict.documents["issuer"] = document
        return document

    async def method(self, method_id: str) -> VerificationMethod:
        """The verification method named ``method_id``, or KEY_UNAVAILABLE / DID_UNSUPPORTED."""
        base, _fragment = split_fragment(method_id)
        kind = did_method(base)
        if kind == "key":
            return did_key_method(method_id)
        if kind == "web":
            document = await self._did_web_document(base)
            found = find_method(document, method_id, url=base)
        elif kind is not None:
            raise VerificationError(
                ErrorCode.DID_UNSUPPORTED,
                f"The key {_shown(method_id)} uses the DID method 'did:{kind[:30]}', which "
                "Badgekeeper cannot resolve (did:key and did:web are supported).",
            )
        elif base.lower().startswith(("https://", "http://")):
            document = await self._fetch(base, what="issuer's key document")
            found = find_method(document, method_id, url=base)
        else:
            raise key_unavailable(
                f"The key id {_shown(method_id)} is neither a DID nor an http(s) link, so the "
                "key cannot be retrieved."
            )
        if found is None:
            raise key_unavailable(
                f"The document at {_shown(base)} does not list the key {_shown(method_id)}."
            )
        return found

    async def issuer_document(self) -> dict[str, Any]:
        """The issuer's controller document: profile (http/https) or DID document (DIDs)."""
        kind = did_method(self.issuer_id)
        if kind == "web":
            return await self._did_web_document(self.issuer_id)
        if kind == "key":
            method = did_key_method(self.issuer_id)
            return {  # the DID document a did:key resolves to, built locally
                "id": self.issuer_id,
                "verificationMethod": [
                    {
                        "id": method.id,
                        "type": "Multikey",
                        "controller": self.issuer_id,
                        "publicKeyMultibase": self.issuer_id[len("did:key:") :],
                    }
                ],
                "assertionMethod": [method.id],
            }
        if kind is not None:
            raise VerificationError(
                ErrorCode.DID_UNSUPPORTED,
                f"The issuer {_shown(self.issuer_id)} is a 'did:{kind[:30]}' DID, which "
                "Badgekeeper cannot resolve (did:key and did:web are supported).",
            )
        if not self.issuer_id.lower().startswith(("https://", "http://")):
            raise key_unavailable(
                f"The issuer id {_shown(self.issuer_id)} is not a link or DID, so its keys "
                "cannot be looked up."
            )
        document = await self._fetch(self.issuer_id, what="issuer profile")
        if document.get("id", self.issuer_id) != self.issuer_id:
            raise owner_mismatch(
                f"The issuer profile at {_shown(self.issuer_id)} names itself "
                f"{_shown(str(document.get('id')))}, so it cannot vouch for the issuer's keys."
            )
        return document

    async def ensure_issuer_controls(self, method: VerificationMethod) -> None:
        """KEY_OWNER_MISMATCH unless the issuer controls ``method`` (see the module rules)."""
        if method.controller is not None and method.controller != self.issuer_id:
            raise owner_mismatch(
                f"The badge was signed with the key {_shown(method.id)}, which belongs to "
                f"{_shown(method.controller)}, not to the badge's issuer "
                f"{_shown(self.issuer_id)}. Do not trust it."
            )
        document = await self.issuer_document()
        # Only the URL (or DID) the key was fetched from counts as "the issuer's own document":
        # the id a document gives itself is whatever its server chose to write.
        in_issuer_document = split_fragment(method.id)[0] == self.issuer_id
        if not in_issuer_document and not lists_method(document, method.id, url=self.issuer_id):
            raise owner_mismatch(
                f"The badge was signed with the key {_shown(method.id)}, which the issuer "
                f"{_shown(self.issuer_id)} does not list among its keys. Do not trust it."
            )
        if not assertion_method_allows(document, method.id, url=self.issuer_id):
            raise owner_mismatch(
                f"The issuer {_shown(self.issuer_id)} does not allow the key "
                f"{_shown(method.id)} to sign credentials (it is not an assertionMethod)."
            )

    async def issuer_key_matching(self, key: PublicKey) -> VerificationMethod:
        """The issuer's listed method whose key equals ``key`` (a VC-JWT header ``jwk``)."""
        document = await self.issuer_document()
        for method in document_keys(document, url=self.issuer_id):
            if keys_equal(method.key, key):
                return method
        raise owner_mismatch(
            "The signed badge carries its own key, and the issuer "
            f"{_shown(self.issuer_id)} does not list that key among its keys. Do not trust it."
        )
