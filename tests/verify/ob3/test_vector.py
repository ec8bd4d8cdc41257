"""The 1EdTech OB 3.0 test vector (eddsa-rdfc-2022, URL verification method) and tampering."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.verify.ob3.multibase import base58btc_decode, base58btc_encode
from tests.support.fake_fetcher import DictFetcher
from tests.verify.ob3.support import codes, verify_json

VECTOR_PATH = Path("/work/shared/spec/ob_v3p0/ob3_vector.json")
BUNDLED_VECTOR = {
    # The vector as published in the specification folder, kept here so the test does not depend
    # on that folder being present.
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and "
                "recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to "
            "collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.edu/issuers/565049#"
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtS"
        "bz35HcbgXVEDYHxCzgkCr",
    },
}
ISSUER_ID = "https://example.edu/issuers/565049"


def vector() -> dict[str, Any]:
    if VECTOR_PATH.exists():
        loaded: dict[str, Any] = json.loads(VECTOR_PATH.read_text(encoding="utf-8"))
        return loaded
    return copy.deepcopy(BUNDLED_VECTOR)


def vector_issuer() -> DictFetcher:
    """The issuer profile the vector's verification method points into, keyed from its fragment."""
    method_id = vector()["proof"]["verificationMethod"]
    fetcher = DictFetcher()
    fetcher.add(
        ISSUER_ID,
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": ISSUER_ID,
            "type": ["Profile"],
            "name": "Example Corp",
            "verificationMethod": [
                {
                    "id": method_id,
                    "type": "Multikey",
                    "controller": ISSUER_ID,
                    "publicKeyMultibase": method_id.split("#", 1)[1],
                }
            ],
        },
    )
    return fetcher


def test_bundled_copy_matches_the_specification_folder() -> None:
    """The copy of the vector in this test is the one the specification publishes."""
    if VECTOR_PATH.exists():
        assert vector() == BUNDLED_VECTOR


async def test_spec_vector_verifies(fixed_now: datetime) -> None:
    """The OB 3.0 eddsa-rdfc-2022 test vector is valid, with its summary filled in."""
    fetcher = vector_issuer()
    verdict = await verify_json(vector(), fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert verdict.format == "data-integrity"
    assert {c.name for c in verdict.checks if c.passed} >= {
        "structure",
        "proof",
        "key",
        "signature",
    }
    assert verdict.badge.name == "Teamwork"
    assert verdict.badge.issuer_id == ISSUER_ID
    assert verdict.badge.issuer_name == "Example Corp"
    assert verdict.badge.issued_on == "2010-01-01T00:00:00Z"
    assert verdict.badge.badge_class_id.endswith("/teamwork")  # type: ignore[union-attr]
    assert verdict.documents["issuer"]["id"] == ISSUER_ID
    assert fetcher.requests[ISSUER_ID] == 1  # fetched once, used for key and owner


async def test_vector_with_changed_name_is_signature_invalid(fixed_now: datetime) -> None:
    """Changing the credential's name after signing breaks the proof."""
    tampered = vector()
    tampered["name"] = "Leadership Badge"
    verdict = await verify_json(tampered, vector_issuer(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_vector_with_changed_achievement_is_signature_invalid(fixed_now: datetime) -> None:
    """Changing the nested achievement (what the popup shows) breaks the proof."""
    tampered = vector()
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership"
    verdict = await verify_json(tampered, vector_issuer(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_vector_with_changed_proof_value_is_signature_invalid(fixed_now: datetime) -> None:
    """Flipping one bit of the signature makes it invalid."""
    tampered = vector()
    signature = bytearray(base58btc_decode(tampered["proof"]["proofValue"][1:]))
    signature[10] ^= 0x01
    tampered["proof"]["proofValue"] = "z" + base58btc_encode(bytes(signature))
    verdict = await verify_json(tampered, vector_issuer(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_vector_with_changed_proof_options_is_signature_invalid(fixed_now: datetime) -> None:
    """The proof options are signed too: changing 'created' breaks the proof."""
    tampered = vector()
    tampered["proof"]["created"] = "2011-01-01T19:23:24Z"
    verdict = await verify_json(tampered, vector_issuer(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_vector_key_served_by_another_issuer_is_owner_mismatch(fixed_now: datetime) -> None:
    """The vector re-labelled with another issuer id is not accepted on the original's key."""
    tampered = vector()
    tampered["issuer"]["id"] = "https://attacker.example/issuer"
    fetcher = vector_issuer()
    fetcher.add("https://attacker.example/issuer", {"id": "https://attacker.example/issuer"})
    verdict = await verify_json(tampered, fetcher, fixed_now)
    assert "KEY_OWNER_MISMATCH" in codes(verdict)
    assert verdict.status == "invalid"
