"""Status: 1EdTech revocation lists, Bitstring and StatusList2021 lists, suspension, outages."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime
from typing import Any

import pytest

from agent.errors import ErrorCode
from agent.verify.ob3.status import decode_status_list, status_value
from tests.support.fake_fetcher import Page
from tests.verify.ob3.support import (
    codes,
    credential,
    ed_key,
    issuer_fetcher,
    signed,
    verify_json,
)

LIST_URL = "https://issuer.example/status/1"
REVOCATIONS_URL = "https://issuer.example/revocations"
CREDENTIAL_ID = credential()["id"]


def encoded_list(set_bits: set[int], *, size_bytes: int = 16_384, multibase: bool = True) -> str:
    bits = bytearray(size_bytes)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    data = gzip.compress(bytes(bits), mtime=0)
    if multibase:
        return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    return base64.b64encode(data).decode()


def status_list_credential(encoded: str, purpose: str = "revocation") -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://issuer.example/profile",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def with_status(entry: dict[str, Any] | list[dict[str, Any]], *contexts: str) -> dict[str, Any]:
    document = credential()
    document["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    document["@context"].extend(contexts)
    document["credentialStatus"] = entry
    return signed(document)


def bitstring_entry(index: int | str, purpose: str = "revocation") -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }


async def test_revoked_on_1edtech_revocation_list(fixed_now: datetime) -> None:
    """A credential id on the issuer's 1EdTech revocation list is revoked, with the reason."""
    document = with_status({"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"})
    revocations = {
        "id": REVOCATIONS_URL,
        "issuer": "https://issuer.example/profile",
        "revokedCredentials": [
            {"id": "urn:uuid:someone-else"},
            {"id": CREDENTIAL_ID, "revocationReason": "Issued in error"},
        ],
    }
    verdict = await verify_json(
        document, issuer_fetcher(documents={REVOCATIONS_URL: revocations}), fixed_now
    )
    assert verdict.status == "revoked"
    assert codes(verdict) == ["REVOKED"]
    assert "Issued in error" in verdict.errors[0].message


async def test_not_on_1edtech_revocation_list_is_valid(fixed_now: datetime) -> None:
    """A credential absent from the revocation list stays valid, and the list was consulted."""
    document = with_status({"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"})
    revocations = {"id": REVOCATIONS_URL, "revokedCredentials": [{"id": "urn:uuid:other"}]}
    fetcher = issuer_fetcher(documents={REVOCATIONS_URL: revocations})
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors
    assert fetcher.requests[REVOCATIONS_URL] == 1
    assert any(check.name == "status" and check.passed for check in verdict.checks)


@pytest.mark.parametrize("index", [0, 7, 8, 15, 16, 131_071])
async def test_bitstring_bit_set_is_revoked(index: int, fixed_now: datetime) -> None:
    """The bit at statusListIndex (MSB first, across byte boundaries) set means revoked."""
    document = with_status(bitstring_entry(index))
    neighbours = {index - 1, index + 1} - {-1, 131_072}
    fetcher = issuer_fetcher(documents={LIST_URL: status_list_credential(encoded_list({index}))})
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["REVOKED"]
    fetcher.add(LIST_URL, status_list_credential(encoded_list(neighbours)))
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "valid", verdict.errors


async def test_status_list_2021_plain_base64(fixed_now: datetime) -> None:
    """StatusList2021Entry with a plain base64 encodedList is read the same way."""
    entry = bitstring_entry(42)
    entry["type"] = "StatusList2021Entry"
    document = with_status(entry, "https://w3id.org/vc/status-list/2021/v1")
    listing = status_list_credential(encoded_list({42}, multibase=False))
    verdict = await verify_json(document, issuer_fetcher(documents={LIST_URL: listing}), fixed_now)
    assert codes(verdict) == ["REVOKED"]


async def test_suspension_bit_set_is_suspended(fixed_now: datetime) -> None:
    """A set suspension bit makes the badge not valid, saying it is suspended."""
    document = with_status(bitstring_entry(3, "suspension"))
    listing = status_list_credential(encoded_list({3}), "suspension")
    verdict = await verify_json(document, issuer_fetcher(documents={LIST_URL: listing}), fixed_now)
    assert codes(verdict) == ["REVOKED"]
    assert "suspended" in verdict.errors[0].message


async def test_revocation_and_suspension_entries_both_checked(fixed_now: datetime) -> None:
    """With two entries on two lists, a set bit on either one counts."""
    suspensions = "https://issuer.example/status/2"
    suspension_entry = {**bitstring_entry(5, "suspension"), "statusListCredential": suspensions}
    document = with_status([bitstring_entry(5), suspension_entry])
    fetcher = issuer_fetcher(
        documents={
            LIST_URL: status_list_credential(encoded_list(set())),
            suspensions: status_list_credential(encoded_list({5}), "suspension"),
        }
    )
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["REVOKED"]
    assert "suspended" in verdict.errors[0].message


@pytest.mark.parametrize("refusal", [None, ErrorCode.FETCH_TIMEOUT])
async def test_unreachable_status_list_is_status_unavailable(
    refusal: ErrorCode | None, fixed_now: datetime
) -> None:
    """A list that answers 404 or times out leaves no verdict: STATUS_UNAVAILABLE."""
    document = with_status(bitstring_entry(1))
    fetcher = issuer_fetcher()
    if refusal is not None:
        fetcher.refuse = {LIST_URL: refusal}
    verdict = await verify_json(document, fetcher, fixed_now)
    assert verdict.status == "error"
    assert codes(verdict) == ["STATUS_UNAVAILABLE"]


async def test_unreachable_revocation_list_is_status_unavailable(fixed_now: datetime) -> None:
    """A 1EdTech revocation list that answers 500 is STATUS_UNAVAILABLE."""
    document = with_status({"id": REVOCATIONS_URL, "type": "1EdTechRevocationList"})
    fetcher = issuer_fetcher(
        documents={REVOCATIONS_URL: Page(b"oops", status=500, content_type="text/plain")}
    )
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["STATUS_UNAVAILABLE"]


async def test_index_beyond_list_is_status_unavailable(fixed_now: datetime) -> None:
    """An index past the end of the list is an error, not 'not revoked'."""
    document = with_status(bitstring_entry(16 * 8))
    listing = status_list_credential(encoded_list(set(), size_bytes=16))
    verdict = await verify_json(document, issuer_fetcher(documents={LIST_URL: listing}), fixed_now)
    assert codes(verdict) == ["STATUS_UNAVAILABLE"]


async def test_status_not_fetched_when_proof_fails(fixed_now: datetime) -> None:
    """A forged credential cannot make Badgekeeper fetch the status URL it names."""
    document = with_status(bitstring_entry(1))
    document["name"] = "Forged"
    fetcher = issuer_fetcher(documents={LIST_URL: status_list_credential(encoded_list(set()))})
    verdict = await verify_json(document, fetcher, fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]
    assert fetcher.requests[LIST_URL] == 0


async def test_status_list_purpose_mismatch(fixed_now: datetime) -> None:
    """A list for suspension consulted for revocation is STATUS_UNAVAILABLE, not 'valid'."""
    document = with_status(bitstring_entry(2))
    listing = status_list_credential(encoded_list({2}), "suspension")
    verdict = await verify_json(document, issuer_fetcher(documents={LIST_URL: listing}), fixed_now)
    assert codes(verdict) == ["STATUS_UNAVAILABLE"]


@pytest.mark.timeout(20)
def test_decompression_is_capped() -> None:
    """A small encodedList that inflates past 16 MB is refused without inflating it all."""
    bomb = gzip.compress(bytes(17 * 1024 * 1024), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(Exception) as caught:
        decode_status_list(encoded)
    assert getattr(caught.value, "code", None) is ErrorCode.STATUS_UNAVAILABLE


def test_status_value_reads_msb_first() -> None:
    """Index 0 is the most significant bit of the first byte; statusSize reads several bits."""
    assert status_value(b"\x80\x00", 0) == 1
    assert status_value(b"\x80\x00", 1) == 0
    assert status_value(b"\x01\x80", 7) == 1
    assert status_value(b"\x01\x80", 8) == 1
    assert status_value(b"\x01\x80", 9) == 0
    assert status_value(b"\xb0", 0, 2) == 0b10
    assert status_value(b"\xb0", 1, 2) == 0b11


async def test_status_entry_is_signed(fixed_now: datetime) -> None:
    """A status entry is part of what is signed: removing it breaks the proof."""
    document = with_status(bitstring_entry(1))
    del document["credentialStatus"]
    verdict = await verify_json(document, issuer_fetcher(ed_key()), fixed_now)
    assert codes(verdict) == ["SIGNATURE_INVALID"]
