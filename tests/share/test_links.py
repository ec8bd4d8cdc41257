"""The share links: encoding, dates as written, omitted fields, X's 280, mailto."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.share import ShareFacts, share_links
from agent.share.links import (
    TARGETS,
    email_link,
    facebook_share,
    linkedin_add_to_profile,
    linkedin_post,
    x_post,
)
from agent.share.tweet import MAX_WEIGHT, hashtags_for, post_weight
from tests.share.factories import ASSERTION_ID, jws, record

URL = "https://backpack.example/public/badges/a1?x=1&y=2"


def query(link: str) -> dict[str, str]:
    """The link's query, decoded; fails on a repeated key."""
    pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True, strict_parsing=True)
    decoded = dict(pairs)
    assert len(decoded) == len(pairs)
    return decoded


def facts(**values: object) -> ShareFacts:
    base: dict[str, object] = {"spec": "ob2", "format": "hosted", "credential_id": ASSERTION_ID}
    return ShareFacts(**{**base, **values})  # type: ignore[arg-type]


def test_linkedin_link_encodes_every_field() -> None:
    """Names with &, =, #, /, quotes and non-ASCII text come back intact from the query."""
    name = 'Café & Co: R&D = "1" / #1 学习 🚀'
    issuer = "Müller & Söhne + Partner"
    link = linkedin_add_to_profile(
        facts(name=name, issuer_name=issuer, issued_on="2024-03-05T10:00:00Z"), URL
    )
    assert link.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&")
    values = query(link)
    assert values["name"] == name
    assert values["organizationName"] == issuer
    assert values["certUrl"] == URL
    assert values["certId"] == ASSERTION_ID
    raw = urlsplit(link).query
    assert " " not in raw and "+" not in raw and '"' not in raw
    assert "Caf%C3%A9%20%26%20Co" in raw  # UTF-8, %20 for spaces, & escaped
    assert "%2B" in raw  # a literal plus stays a plus once decoded


@pytest.mark.parametrize(
    ("written", "year", "month"),
    [
        ("2024-01-01T00:30:00+02:00", "2024", "1"),  # UTC would say December 2023
        ("2023-12-31T23:30:00-05:00", "2023", "12"),  # UTC would say January 2024
        ("2024-12-31", "2024", "12"),
        ("2025-01-01T00:00:00Z", "2025", "1"),
        ("2024-10-31T23:59:59.999+14:00", "2024", "10"),
        ("1700000000", "2023", "11"),  # OB 1.x Unix seconds, read in UTC
    ],
)
def test_linkedin_months_are_the_written_calendar_month(
    written: str, year: str, month: str
) -> None:
    """Year and month come from the date as written (no zone shift), months 1–12 unpadded."""
    values = query(linkedin_add_to_profile(facts(issued_on=written, expires=written), URL))
    assert (values["issueYear"], values["issueMonth"]) == (year, month)
    assert (values["expirationYear"], values["expirationMonth"]) == (year, month)


def test_record_dates_are_read_as_the_issuer_wrote_them() -> None:
    """A stored UTC date is shown in the issuer's own calendar when the payload says so."""
    badge = record(
        payload=json.dumps({"issuedOn": "2024-01-01T00:30:00+02:00"}),
        issued_on="2023-12-31T22:30:00Z",
    )
    values = query(share_links(badge, "linkedin").links["linkedin"])
    assert (values["issueYear"], values["issueMonth"]) == ("2024", "1")
    assert share_links(badge).fields["issue_date"] == "2024-01-01"


def test_signed_and_jwt_payload_dates_are_read_too() -> None:
    """JWS (OB 2.0) and VC-JWT (OB 3.0, ``vc`` claim) payloads give their written dates."""
    signed = record(
        payload=jws(
            {"issuedOn": "2025-01-01T01:00:00+03:00", "expires": "2026-01-01T00:00:00+01:00"}
        ),
        payload_kind="jws",
        format="signed",
        issued_on="2024-12-31T22:00:00Z",
        expires="2025-12-31T23:00:00Z",
    )
    values = query(linkedin_add_to_profile(ShareFacts.from_record(signed), URL))
    assert values["issueYear"] == "2025" and values["issueMonth"] == "1"
    assert values["expirationYear"] == "2026" and values["expirationMonth"] == "1"
    credential_id = "https://issuer.example/credentials/7"
    vc = record(
        payload=jws({"vc": {"validFrom": "2024-07-01T00:00:00+09:00"}}),
        payload_kind="vc-jwt",
        spec="ob3",
        format="vc-jwt",
        assertion_id=credential_id,
        issued_on="2024-06-30T15:00:00Z",
    )
    values = query(share_links(vc, "linkedin").links["linkedin"])
    assert (values["issueYear"], values["issueMonth"]) == ("2024", "7")


def test_a_payload_date_that_disagrees_is_ignored() -> None:
    """The written date is used only when it is the instant the library stored."""
    badge = record(
        payload=json.dumps({"issuedOn": "2030-05-05T00:00:00Z"}), issued_on="2024-03-05T10:00:00Z"
    )
    values = query(share_links(badge, "linkedin").links["linkedin"])
    assert (values["issueYear"], values["issueMonth"]) == ("2024", "3")


@pytest.mark.parametrize(
    "payload",
    ["[" * 100_000, "not json", "a.b", "x" * 2_000_000, "a.!!!.c", '{"issuedOn": 5}'],
)
def test_hostile_payloads_fall_back_to_the_stored_dates(payload: str) -> None:
    """Deep nesting, junk, huge or odd payloads never raise; the stored date is used."""
    for kind in ("assertion-json", "jws"):
        badge = record(payload=payload, payload_kind=kind)
        values = query(share_links(badge, "linkedin").links["linkedin"])
        assert values["issueMonth"] == "3"


def test_absent_fields_are_left_out() -> None:
    """No name, issuer or dates: those keys are missing, not empty."""
    values = query(linkedin_add_to_profile(facts(), URL))
    assert set(values) == {"startTask", "certUrl", "certId"}
    values = query(linkedin_add_to_profile(facts(credential_id=None, issued_on="garbage"), URL))
    assert set(values) == {"startTask", "certUrl"}


def test_organization_id_replaces_the_name_when_known() -> None:
    """With LinkedIn's company id, organizationId is sent and organizationName is not."""
    values = query(
        linkedin_add_to_profile(facts(issuer_name="Example"), URL, organization_id="1337")
    )
    assert values["organizationId"] == "1337"
    assert "organizationName" not in values


def test_post_and_facebook_links_carry_the_url() -> None:
    """LinkedIn post and Facebook take only the URL, fully encoded."""
    encoded = "https%3A%2F%2Fbackpack.example%2Fpublic%2Fbadges%2Fa1%3Fx%3D1%26y%3D2"
    assert linkedin_post(URL) == f"https://www.linkedin.com/sharing/share-offsite/?url={encoded}"
    assert facebook_share(URL) == f"https://www.facebook.com/sharer/sharer.php?u={encoded}"


def test_x_link_has_text_url_and_hashtags() -> None:
    """The X intent names the badge and issuer, the URL, and OpenBadges plus the badge's tag."""
    values = query(x_post(facts(name="Python Foundations", issuer_name="Example Academy"), URL))
    assert values["text"] == "I earned the “Python Foundations” badge from Example Academy."
    assert values["url"] == URL
    assert values["hashtags"] == "OpenBadges,PythonFoundations"


@pytest.mark.parametrize(
    "name",
    [
        "A" * 1000,
        "Word " * 300,
        "学习" * 200,
        "🚀" * 200,
        "ASP.NET a.co b.io " * 40,
        "©®" * 150,
        "Ünïcödé résumé " * 40,
    ],
)
def test_x_post_fits_280_with_long_names(name: str) -> None:
    """However long the name, text + URL (23) + hashtags weigh ≤ 280, cut with an ellipsis."""
    values = query(x_post(facts(name=name, issuer_name="Example " * 30), URL))
    tags = values["hashtags"].split(",")
    assert post_weight(values["text"], tags) <= MAX_WEIGHT
    assert values["text"].endswith("…")
    assert values["text"].startswith("I earned the “")


def test_x_weight_counts_like_x_for_plain_text() -> None:
    """For ASCII, the weight is the character count plus 24 for the URL and 2+len per tag."""
    values = query(x_post(facts(name="N" * 400, issuer_name="Example"), URL))
    tags = values["hashtags"].split(",")
    ascii_weight = len(values["text"].replace("…", "..")) + 1 + 23
    ascii_weight += sum(2 + len(tag) for tag in tags)
    assert ascii_weight <= 280
    assert ascii_weight >= 270  # cut close to the limit, not far short of it


@settings(max_examples=150, deadline=None)
@given(name=st.text(max_size=600), issuer=st.text(max_size=300))
def test_x_post_always_fits(name: str, issuer: str) -> None:
    """Any text at all: the composed post fits and the link decodes."""
    link = x_post(facts(name=name or None, issuer_name=issuer or None), URL)
    values = query(link)
    assert post_weight(values["text"], values["hashtags"].split(",")) <= MAX_WEIGHT


def test_hashtags_are_sensible() -> None:
    """OpenBadges always; the badge's name only when it makes a short, clean tag."""
    assert hashtags_for("Teamwork") == ["OpenBadges", "Teamwork"]
    assert hashtags_for("lab safety") == ["OpenBadges", "LabSafety"]
    assert hashtags_for("<script>alert(1)</script>") == ["OpenBadges"]
    assert hashtags_for("Open Badges") == ["OpenBadges"]
    assert hashtags_for("2024") == ["OpenBadges"]
    assert hashtags_for(None) == ["OpenBadges"]


def test_mailto_is_properly_encoded() -> None:
    """No recipient; subject and CRLF body percent-encoded, & and spaces included."""
    link = email_link(
        facts(name="R&D Lead", issuer_name="Ünï & Co", issued_on="2024-02-29T23:00:00-02:00"), URL
    )
    assert link.startswith("mailto:?subject=")
    raw = link.removeprefix("mailto:?")
    assert " " not in raw and "+" not in raw and "\n" not in raw
    values = dict(part.split("=", 1) for part in raw.split("&"))
    assert set(values) == {"subject", "body"}
    assert unquote(values["subject"]) == "My “R&D Lead” badge"
    body = unquote(values["body"])
    assert "I earned the “R&D Lead” badge from Ünï & Co." in body
    assert f"\r\n\r\nSee it, and check that it is genuine: {URL}\r\n" in body
    assert "Issued: 2024-02-29" in body


def test_share_links_gives_every_target_or_one() -> None:
    """All five links by default, or only the one asked for; fields for manual entry."""
    shared = share_links(record())
    assert list(shared.links) == list(TARGETS)
    assert shared.url == ASSERTION_ID
    assert shared.fields == {
        "name": "Teamwork",
        "organization": "Example Academy",
        "issue_date": "2024-03-05",
        "expiration_date": None,
        "credential_id": ASSERTION_ID,
        "credential_url": ASSERTION_ID,
    }
    only = share_links(record(), "facebook")
    assert list(only.links) == ["facebook"]
    assert only.to_json()["links"] == {"facebook": facebook_share(ASSERTION_ID)}
