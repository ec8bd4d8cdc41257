"""What unbaking finds: the payload exactly as embedded, and what kind of payload it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

Container = Literal["png", "svg", "text"]


class PayloadKind(Enum):
    """The kinds of Open Badges payload an image (or a file) can carry."""

    ASSERTION_JSON = "assertion-json"  # OB 1.x / 2.0 assertion as JSON
    CREDENTIAL_JSON = "credential-json"  # OB 3.0 credential as JSON (embedded proof or none)
    JWS = "jws"  # OB 2.0 signed assertion (compact JWS)
    VC_JWT = "vc-jwt"  # OB 3.0 credential as a VC-JWT (compact JWS)
    URL = "url"  # a link to a hosted assertion (legacy tEXt, SVG verify attribute)


@dataclass(frozen=True)
class Unbaked:
    """A payload found in an image or file.

    ``payload`` is the text exactly as embedded (for an SVG with both a ``verify`` attribute and
    CDATA JSON, the JSON). ``keyword`` is the PNG keyword or SVG element name that carried it.
    """

    payload: str
    kind: PayloadKind
    container: Container
    keyword: str

    @property
    def spec_hint(self) -> Literal["ob2", "ob3"] | None:
        """The spec the payload's carrier suggests (the verifier decides for itself)."""
        if self.kind in (PayloadKind.CREDENTIAL_JSON, PayloadKind.VC_JWT):
            return "ob3"
        if self.kind in (PayloadKind.ASSERTION_JSON, PayloadKind.JWS):
            return "ob2"
        return None
