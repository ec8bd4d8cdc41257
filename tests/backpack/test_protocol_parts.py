"""The pure parts of talking to backpacks: PKCE, discovery documents, what each kind is sent,
how answers are read, and the backoff schedule."""

from __future__ import annotations

import json

import pytest

from agent.backpack.answers import html_alternate, jws_payload_id
from agent.backpack.backoff import RetryPolicy
from agent.backpack.config import BackpackConfig, check_name
from agent.backpack.discovery import (
    parse_badge_connect_manifest,
    parse_ob3_service_description,
    requested_scopes,
)
from agent.backpack.errors import BackpackError
from agent.backpack.http import HttpAnswer
from agent.backpack.kinds.badgr import error_names
from agent.backpack.oauth import Pkce, basic_auth, s256_challenge
from agent.backpack.payloads import UploadItem, badge_connect_body, badgr_body, ob3_body
from agent.errors import ErrorCode

BASE = "https://backpack.example"


def _manifest(**changes: object) -> dict[str, object]:
    api = {
        "name": "Backpack",
        "apiBase": BASE + "/api/ims/ob/v2p1",
        "version": "v2p1",
        "scopesOffered": ["https://purl.imsglobal.org/spec/ob/v2p1/scope/assertion.create"],
        "registrationUrl": BASE + "/o/register",
        "authorizationUrl": BASE + "/o/auth",
        "tokenUrl": BASE + "/o/token",
        "tokenRevocationUrl": BASE + "/o/revoke",
    }
    api.update(changes)
    return {"id": BASE + "/.well-known/badgeconnect.json", "badgeConnectAPI": [api]}


def _item(kind: str, payload: str, **extra: object) -> UploadItem:
    return UploadItem(
        badge_id="b1",
        spec="ob3" if kind in ("vc-jwt", "credential-json") else "ob2",
        payload_kind=kind,
        payload=payload,
        assertion_id="https://issuer.example/a/1",
        name="Teamwork",
        matched_address=None,
        **extra,  # type: ignore[arg-type]
    )


def test_pkce_s256_matches_rfc_7636() -> None:
    """The challenge of the RFC's example verifier is the RFC's example challenge."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    fresh = Pkce.new()
    assert 43 <= len(fresh.verifier) <= 128 and fresh.challenge == s256_challenge(fresh.verifier)
    assert fresh.verifier not in repr(fresh)


def test_basic_auth_form_encodes_client_credentials() -> None:
    """client_secret_basic encodes each part first (RFC 6749 §2.3.1)."""
    assert basic_auth("a b", "c:d") == "Basic YStiOmMlM0Fk"


def test_badge_connect_manifest_is_read() -> None:
    """The v2p1 entry gives the API base and every OAuth endpoint."""
    endpoints = parse_badge_connect_manifest(_manifest(), BASE + "/.well-known/x", BASE)
    assert endpoints.api_base == BASE + "/api/ims/ob/v2p1"
    assert endpoints.revocation_url == BASE + "/o/revoke"
    assert endpoints.provider_name == "Backpack"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"tokenUrl": "http://backpack.example/o/token"}, "plain-http tokenUrl"),
        ({"registrationUrl": None}, "no registrationUrl"),
        ({"authorizationUrl": "javascript:alert(1)"}, "not an http(s) URL"),
        ({"version": "v9p9"}, "no Badge Connect v2p1 API"),
    ],
)
def test_a_bad_manifest_is_refused_with_the_reason(changes: dict[str, object], why: str) -> None:
    """An https backpack cannot send the flow over http; missing or odd endpoints are named."""
    with pytest.raises(BackpackError) as refused:
        parse_badge_connect_manifest(_manifest(**changes), BASE + "/x", BASE)
    assert refused.value.code is ErrorCode.BACKPACK_DISCOVERY_FAILED
    assert why in refused.value.message


def test_ob3_service_description_is_read_with_relative_urls() -> None:
    """servers[0].url and the OAuth2ACG scheme give the endpoints; relative ones are resolved."""
    document = {
        "servers": [{"url": BASE + "/ims/ob/v3p0"}],
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "x-imssf-registrationUrl": "/register",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "/authorize",
                            "tokenUrl": BASE + "/token",
                            "scopes": {"https://purl.imsglobal.org/spec/ob/v3p0/scope/x": ""},
                        }
                    },
                }
            }
        },
    }
    endpoints = parse_ob3_service_description(document, BASE + "/ims/ob/v3p0/discovery", BASE)
    assert endpoints.registration_url == BASE + "/register"
    assert endpoints.authorization_url == BASE + "/authorize"
    with pytest.raises(BackpackError):
        parse_ob3_service_description({"components": []}, BASE, BASE)


def test_requested_scopes_follow_what_is_offered() -> None:
    """A scope the backpack does not offer is not asked for; offline_access always is."""
    scopes = requested_scopes(
        "badge-connect", ("https://purl.imsglobal.org/spec/ob/v2p1/scope/assertion.create",)
    )
    assert scopes == (
        "https://purl.imsglobal.org/spec/ob/v2p1/scope/assertion.create",
        "offline_access",
    )


def test_what_badge_connect_is_sent() -> None:
    """A JWS goes as signedAssertion, a hosted link as an {id, type} assertion, JSON as is."""
    assert badge_connect_body(_item("jws", " a.b.c\n")) == {"signedAssertion": "a.b.c"}
    linked = badge_connect_body(_item("url", "https://issuer.example/a/1"))
    assert linked["assertion"]["id"] == "https://issuer.example/a/1"
    assert linked["assertion"]["type"] == "Assertion"
    assertion = {"id": "https://issuer.example/a/1", "type": "Assertion"}
    assert badge_connect_body(_item("assertion-json", json.dumps(assertion))) == {
        "assertion": assertion
    }


def test_what_the_ob3_api_is_sent() -> None:
    """A VC-JWT as text/plain, a JSON credential as application/json; OB 2.0 never."""
    assert ob3_body(_item("vc-jwt", "h.p.s")) == ("text/plain", "h.p.s")
    assert ob3_body(_item("credential-json", "{}"))[0] == "application/json"
    with pytest.raises(BackpackError):
        ob3_body(_item("credential-json", "[1]"))


def test_what_badgr_is_sent() -> None:
    """Hosted → url; signed with an image → a data URI (not multipart); else the assertion."""
    hosted = json.dumps({"id": "https://issuer.example/a/1", "verification": {"type": "hosted"}})
    assert badgr_body(_item("assertion-json", hosted)) == {"url": "https://issuer.example/a/1"}
    with_image = _item("jws", "a.b.c", image=b"\x89PNG...", media_type="image/png")
    assert badgr_body(with_image)["image"].startswith("data:image/png;base64,iVBOR")
    assert badgr_body(_item("jws", "a.b.c")) == {"assertion": "a.b.c"}


def test_kinds_take_their_spec_only() -> None:
    """Badge Connect and Badgr take OB 2.0, the OB 3.0 API takes OB 3.0."""
    config = BackpackConfig(name="x", kind="badge-connect", url=BASE, added_at="")
    assert config.accepts("ob2") and not config.accepts("ob3") and not config.accepts(None)
    assert config.with_changes(kind="ob3").accepts("ob3")


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 41, "../etc"])
def test_backpack_names_are_plain(name: str) -> None:
    """Names are short and safe on a command line."""
    with pytest.raises(BackpackError):
        check_name(name)


def test_the_public_page_comes_from_the_link_header() -> None:
    """Link: <…>; rel="alternate"; type="text/html" names the badge's public page."""
    answer = HttpAnswer(
        url=BASE,
        status=200,
        content_type="application/json",
        body=b"{}",
        headers={
            "link": f'<{BASE}/next>; rel="next", <{BASE}/p/1>; rel="alternate"; type="text/html"'
        },
    )
    assert html_alternate(answer) == BASE + "/p/1"
    bare = HttpAnswer(BASE, 200, "", b"", {"link": '<javascript:x>; rel="alternate"'})
    assert html_alternate(bare) is None


def test_badgr_error_names_are_found_in_either_list() -> None:
    """validationErrors entries and fieldErrors lists both yield names and descriptions."""
    names, descriptions = error_names(
        {
            "status": {"success": False, "description": "Validation Error"},
            "validationErrors": [{"name": "DUPLICATE_BADGE", "description": "You already…"}],
            "fieldErrors": {"url": ["Enter a valid URL."]},
        }
    )
    assert "DUPLICATE_BADGE" in names and "Enter a valid URL." in descriptions


def test_jws_payload_ids_are_read_without_trusting_them() -> None:
    """The id inside a compact JWS names what a list holds; junk is None."""
    import base64

    body = base64.urlsafe_b64encode(b'{"id": "urn:uuid:1"}').decode().rstrip("=")
    assert jws_payload_id(f"h.{body}.s") == "urn:uuid:1"
    assert jws_payload_id("not a jws") is None and jws_payload_id("a.!!!.c") is None


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    """Waits lie in [d/2, d] for d = base·2^(n-1), capped; Retry-After may lengthen them."""
    low = RetryPolicy(base=2, cap=100, jitter=lambda: 0.0)
    high = RetryPolicy(base=2, cap=100, jitter=lambda: 1.0)
    assert [low.delay(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [high.delay(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert high.delay(50) == 100.0
    assert low.delay(1, retry_after=30) == 30.0 and low.delay(1, retry_after=10_000) == 100.0
    assert RetryPolicy(max_attempts=3).exhausted(3)
