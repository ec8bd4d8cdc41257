"""Data Integrity proofs: key sources, key ownership, suites, contexts and hostile JSON-LD."""

from __future__ import annotations

from datetime import datetime

import pytest

from agent.errors import ErrorCode
from agent.verify.ob3.signing import add_data_integrity_proof, did_key_from_public_key
from tests.support.fake_fetcher import DictFetcher
from tests.verify.ob3.support import (
    ISSUER,
    KEY_ID,
    VC1,
    codes,
    credential,
    ed_key,
    issuer_fetcher,
    jwk_method,
    multikey_method,
    profile,
    signed,
    verify_json,
)


async def test_url_method_in_issuer_profile_verifies(fixed_now: datetime) -> None:
    """A proof by a key listed in the issuer's profile (URL with fragment) is valid."""
    verdict = await verify_json(signed(credential()), issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert verdict.format == "data-integrity"


async def test_did_key_issuer_verifies_without_fetching(fixed_now: datetime) -> None:
    """A did:key issuer signing with its own key needs no network at all."""
    key = ed_key(7)
    did = did_key_from_public_key(key.public_key())
    document = signed(
        credential(issuer=did), key, verification_method=f"{did}#{did[len('did:key:') :]}"
    )
    fetcher = DictFetcher()
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert sum(fetcher.requests.values()) == 0


async def test_did_web_issuer_verifies_from_well_known(fixed_now: datetime) -> None:
    """A did:web issuer's key comes from https://host/.well-known/did.json."""
    key = ed_key(8)
    did = "did:web:badges.example"
    fetcher = DictFetcher()
    fetcher.add(
        "https://badges.example/.well-known/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "verificationMethod": [multikey_method(f"{did}#key-1", did, key)],
            "assertionMethod": [f"{did}#key-1"],
        },
    )
    document = signed(credential(issuer=did), key, verification_method=f"{did}#key-1")
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert fetcher.requests["https://badges.example/.well-known/did.json"] == 1
    assert verdict.documents["issuer"]["id"] == did


async def test_did_web_with_port_and_path(fixed_now: datetime) -> None:
    """did:web:host%3Aport:path resolves to https://host:port/path/did.json, relative ids too."""
    key = ed_key(9)
    did = "did:web:localhost%3A8443:issuers:alpha"
    fetcher = DictFetcher()
    fetcher.add(
        "https://localhost:8443/issuers/alpha/did.json",
        {"id": did, "verificationMethod": [multikey_method("#k", did, key)]},
    )
    document = signed(credential(issuer=did), key, verification_method=f"{did}#k")
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_did_web_key_left_out_of_assertion_methods_is_refused(fixed_now: datetime) -> None:
    """A DID document that states its assertionMethod list is held to it."""
    key = ed_key(8)
    did = "did:web:badges.example"
    fetcher = DictFetcher()
    fetcher.add(
        "https://badges.example/.well-known/did.json",
        {
            "id": did,
            "verificationMethod": [multikey_method(f"{did}#key-1", did, key)],
            "assertionMethod": [f"{did}#other"],
        },
    )
    document = signed(credential(issuer=did), key, verification_method=f"{did}#key-1")
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_jwk_method_in_profile_verifies(fixed_now: datetime) -> None:
    """A JsonWebKey (publicKeyJwk) verification method works as well as a Multikey."""
    key = ed_key(3)
    fetcher = DictFetcher({ISSUER: profile(ISSUER, jwk_method(KEY_ID, ISSUER, key))})
    verdict = await verify_json(signed(credential(), key), fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_key_on_another_site_listed_by_the_issuer_verifies(fixed_now: datetime) -> None:
    """A key document elsewhere counts when the issuer's profile lists that key."""
    key = ed_key(4)
    key_url = "https://keys.example/k/1"
    fetcher = DictFetcher()
    fetcher.add(key_url, multikey_method(key_url, ISSUER, key))
    fetcher.add(ISSUER, profile(ISSUER, multikey_method(key_url, ISSUER, key)))
    verdict = await verify_json(
        signed(credential(), key, verification_method=key_url), fetcher, fixed_now
    )
    assert verdict.status == "valid", verdict.errors


async def test_key_elsewhere_claiming_the_issuer_is_owner_mismatch(fixed_now: datetime) -> None:
    """A key document on another site naming the issuer as controller is not enough."""
    key = ed_key(5)
    key_url = "https://attacker.example/key"
    fetcher = DictFetcher()
    fetcher.add(key_url, multikey_method(key_url, ISSUER, key))
    fetcher.add(ISSUER, profile(ISSUER))  # the real issuer lists no such key
    verdict = await verify_json(
        signed(credential(), key, verification_method=key_url), fetcher, fixed_now
    )
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_controller_mismatch_is_key_owner_mismatch(fixed_now: datetime) -> None:
    """A did:key that is not the issuer cannot sign the issuer's badges."""
    key = ed_key(6)
    did = did_key_from_public_key(key.public_key())
    document = signed(credential(), key, verification_method=f"{did}#{did[len('did:key:') :]}")
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_profile_method_with_foreign_controller_is_owner_mismatch(
    fixed_now: datetime,
) -> None:
    """A method in the issuer profile whose controller is someone else is refused."""
    key = ed_key(2)
    fetcher = DictFetcher(
        {ISSUER: profile(ISSUER, multikey_method(KEY_ID, "https://other.example/", key))}
    )
    verdict = await verify_json(signed(credential(), key), fetcher, fixed_now)
    assert codes(verdict) == ["KEY_OWNER_MISMATCH"]


async def test_signed_by_a_different_key_is_signature_invalid(fixed_now: datetime) -> None:
    """A proof made with another key than the profile lists does not verify."""
    verdict = await verify_json(signed(credential(), ed_key(11)), issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_credential_without_proof_is_proof_missing(fixed_now: datetime) -> None:
    """An OB 3.0 credential with no proof at all is invalid."""
    verdict = await verify_json(credential(), issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["PROOF_MISSING"]


async def test_unknown_cryptosuite_is_proof_unsupported(fixed_now: datetime) -> None:
    """A DataIntegrityProof with a cryptosuite we do not implement is PROOF_UNSUPPORTED."""
    document = signed(credential())
    document["proof"]["cryptosuite"] = "ecdsa-sd-2023"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "error"
    assert codes(verdict) == ["PROOF_UNSUPPORTED"]


async def test_unknown_context_is_context_unknown_and_never_fetched(fixed_now: datetime) -> None:
    """A context Badgekeeper does not bundle stops verification without a request for it."""
    unknown = "https://contexts.example/badge-extras/v1"
    document = signed(credential())  # signing with the unknown context would be refused
    document["@context"].append(unknown)
    fetcher = issuer_fetcher()
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["CONTEXT_UNKNOWN"]
    assert fetcher.requests[unknown] == 0


def test_signing_with_unknown_context_fails_too() -> None:
    """The signer uses the same bundled contexts, so it cannot sign what we cannot verify."""
    document = credential()
    document["@context"].append("https://contexts.example/other/v1")
    with pytest.raises(Exception) as caught:
        signed(document)
    assert getattr(caught.value, "code", None) is ErrorCode.CONTEXT_UNKNOWN


async def test_did_example_method_is_did_unsupported(fixed_now: datetime) -> None:
    """A verification method with a DID method we cannot resolve is DID_UNSUPPORTED."""
    did = "did:example:123"
    document = signed(credential(issuer=did), verification_method=f"{did}#key-1")
    verdict = await verify_json(document, DictFetcher(), fixed_now)
    assert verdict.status == "error"
    assert codes(verdict) == ["DID_UNSUPPORTED"]


async def test_unreachable_key_is_key_unavailable(fixed_now: datetime) -> None:
    """A key document that answers 404 leaves no verdict: KEY_UNAVAILABLE."""
    verdict = await verify_json(signed(credential()), DictFetcher(), fixed_now)
    assert verdict.status == "error"
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


async def test_profile_without_the_key_is_key_unavailable(fixed_now: datetime) -> None:
    """An issuer profile that does not list the proof's key leaves the key unavailable."""
    fetcher = DictFetcher({ISSUER: profile(ISSUER)})
    verdict = await verify_json(signed(credential()), fetcher, fixed_now)
    assert codes(verdict) == ["KEY_UNAVAILABLE"]


async def test_wrong_proof_purpose_is_refused(fixed_now: datetime) -> None:
    """A proof made for 'authentication' does not assert a credential."""
    document = signed(credential())
    document["proof"]["proofPurpose"] = "authentication"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["INVALID_PROPERTY"]


@pytest.mark.parametrize("suite", ["eddsa-2022", "Ed25519Signature2020"])
async def test_older_suites_sign_and_verify(suite: str, fixed_now: datetime) -> None:
    """eddsa-2022 and Ed25519Signature2020 proofs made here verify, and tampering breaks them."""
    document = signed(credential(), cryptosuite=suite)
    if suite == "Ed25519Signature2020":
        assert document["proof"]["type"] == "Ed25519Signature2020"
        assert "https://w3id.org/security/suites/ed25519-2020/v1" in document["@context"]
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors
    document["credentialSubject"]["achievement"]["name"] = "Something else"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_ed25519_2020_proof_relabelled_as_data_integrity_fails(fixed_now: datetime) -> None:
    """The proof type is signed: relabelling a 2020 proof as eddsa-rdfc-2022 breaks it."""
    document = signed(credential(), cryptosuite="Ed25519Signature2020")
    document["proof"]["type"] = "DataIntegrityProof"
    document["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_vc11_credential_with_data_integrity_proof(fixed_now: datetime) -> None:
    """A VC 1.1 credential gets the data-integrity context when signed, and verifies."""
    document = credential(
        context=[VC1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        issuanceDate="2026-01-01T00:00:00Z",
    )
    del document["validFrom"]
    document = signed(document)
    assert document["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_undefined_term_under_vc11_is_refused(fixed_now: datetime) -> None:
    """A term no context defines would escape the signature; it is refused, not dropped."""
    document = credential(
        context=[VC1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    )
    document["issuanceDate"] = document.pop("validFrom")
    document = signed(document)
    document["unsignedClaim"] = "anything at all"
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "invalid"
    assert codes(verdict) == ["INVALID_PROPERTY"]
    assert "unsignedClaim" in verdict.errors[0].message


async def test_proof_context_must_prefix_document_context(fixed_now: datetime) -> None:
    """A proof with its own @context that differs from the credential's is refused."""
    document = signed(credential())
    document["proof"]["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]


async def test_proof_list_uses_first_supported_proof(fixed_now: datetime) -> None:
    """With several proofs, an unsupported one is skipped and a supported one is checked."""
    document = signed(credential())
    document["proof"] = [{"type": "BbsBlsSignature2020", "proofValue": "x"}, document["proof"]]
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert verdict.status == "valid", verdict.errors


@pytest.mark.timeout(30)
async def test_poison_blank_node_graph_is_bounded(fixed_now: datetime) -> None:
    """A clique of indistinguishable blank nodes ends in INVALID_PROPERTY, not hours of work."""
    clique = [
        {"id": f"_:n{i}", "knows": [{"id": f"_:n{j}"} for j in range(9) if j != i]}
        for i in range(9)
    ]
    document = signed(credential())
    document["@context"].append({"knows": {"@id": "http://xmlns.com/foaf/0.1/knows"}})
    document["credentialSubject"]["knows"] = clique
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["INVALID_PROPERTY"]
    assert "blank-node" in verdict.errors[0].message


@pytest.mark.timeout(10)
async def test_credential_with_thousands_of_values_is_refused_quickly(fixed_now: datetime) -> None:
    """JSON-LD's node map is quadratic in values per property; huge credentials are refused."""
    document = signed(credential())
    document["credentialSubject"]["achievement"]["tag"] = [f"t{i}" for i in range(20_000)]
    verdict = await verify_json(document, issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["PAYLOAD_TOO_LARGE"]


async def test_empty_proof_list_is_proof_missing(fixed_now: datetime) -> None:
    """'proof': [] carries no proof at all."""
    verdict = await verify_json(credential(proof=[]), issuer_fetcher(), fixed_now)
    assert codes(verdict) == ["PROOF_MISSING"]


def test_signing_refuses_a_credential_that_already_has_a_proof() -> None:
    """add_data_integrity_proof signs unsigned credentials only."""
    with pytest.raises(Exception) as caught:
        add_data_integrity_proof(
            signed(credential()), ed_key(), verification_method=KEY_ID, created="x"
        )
    assert getattr(caught.value, "code", None) is ErrorCode.INVALID_PROPERTY
