"""Saving badges: one badge per assertion or image, sources, files on disk, the JSON record."""

from __future__ import annotations

import hashlib
import json
import stat
from typing import Any

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import Library, SaveResult, SourceInfo
from agent.paths import resolve_paths
from agent.verify.result import RecipientResult
from tests.library.factories import (
    SVG,
    fake_png,
    make_verdict,
    payload_for,
    source,
)

ASSERTION = "https://issuer.example/assertions/1"


def save_png(
    library: Library, assertion_id: str | None = ASSERTION, seed: str = "a", **kw: Any
) -> SaveResult:
    return library.save(
        verdict=make_verdict(assertion_id, **kw),
        payload=payload_for(assertion_id),
        payload_kind="assertion-json",
        image=fake_png(seed),
        media_type="image/png",
        source=source(),
    )


def test_save_creates_badge_with_normalised_fields(library: Library) -> None:
    """A first save creates the badge with the verdict's summary, status and source."""
    result = save_png(library)
    badge = result.badge
    assert result.created is True
    assert badge.id == hashlib.sha256(ASSERTION.encode()).hexdigest()[:12]
    assert badge.assertion_id == ASSERTION
    assert badge.status == "valid"
    assert badge.name == "Python Basics"
    assert badge.issuer_name == "Example University"
    assert badge.sha256 == hashlib.sha256(fake_png("a")).hexdigest()
    assert badge.media_type == "image/png"
    assert badge.payload == payload_for(ASSERTION)
    assert badge.source is not None and badge.source.mail_subject == "Your new badge"


def test_same_assertion_twice_keeps_one_badge_and_both_sources(library: Library) -> None:
    """Saving the same assertion again adds a source, not a badge (the same verdict again
    refreshes the newest verification rather than adding one)."""
    first = save_png(library)
    second = library.save(
        verdict=make_verdict(ASSERTION),
        payload=payload_for(ASSERTION),
        payload_kind="assertion-json",
        image=fake_png("a"),
        media_type="image/png",
        source=source(subject="Reminder: your badge"),
    )
    assert second.created is False
    assert second.badge.id == first.badge.id
    assert [s.mail_subject for s in second.badge.sources] == [
        "Reminder: your badge",
        "Your new badge",
    ]
    assert len(library.verifications(first.badge.id)) == 1
    assert library.list_badges().total == 1


def test_same_image_bytes_without_id_keeps_one_badge(library: Library) -> None:
    """Two saves of the same image whose verdict found no id are one badge."""
    first = save_png(library, assertion_id=None, errors=(ErrorCode.FETCH_FAILED,))
    second = save_png(library, assertion_id=None, errors=(ErrorCode.FETCH_FAILED,))
    assert first.badge.id == second.badge.id == first.badge.sha256[:12]  # type: ignore[index]
    assert second.created is False
    assert first.badge.status == "error"


def test_url_save_then_image_save_attaches_image(library: Library) -> None:
    """A badge saved from a link gains its image when the baked image is saved later."""
    url_only = library.save(
        verdict=make_verdict(ASSERTION),
        payload=ASSERTION,
        payload_kind="url",
        image=None,
        media_type=None,
        source=SourceInfo(page_url="https://issuer.example/"),
    )
    assert url_only.badge.sha256 is None
    with_image = save_png(library)
    assert with_image.created is False
    assert with_image.badge.sha256 == hashlib.sha256(fake_png("a")).hexdigest()
    assert library.image(url_only.badge.id) == (fake_png("a"), "image/png")


def test_error_verdict_then_valid_verdict_gains_assertion_id(library: Library) -> None:
    """A badge first saved offline (no id known) takes its id from a later save of it."""
    offline = library.save(
        verdict=make_verdict(None, name=None, errors=(ErrorCode.FETCH_FAILED,)),
        payload=payload_for(ASSERTION),
        payload_kind="assertion-json",
        image=None,
        media_type=None,
        source=source(),
    )
    online = library.save(
        verdict=make_verdict(ASSERTION, checked_at=make_verdict().checked_at.replace(hour=13)),
        payload=payload_for(ASSERTION),
        payload_kind="assertion-json",
        image=None,
        media_type=None,
        source=source(),
    )
    assert online.badge.id == offline.badge.id
    assert online.badge.assertion_id == ASSERTION
    assert online.badge.status == "valid"
    assert online.badge.name == "Python Basics"


def test_recipient_mismatch_is_saved_and_flagged(library: Library) -> None:
    """A badge issued to another address is kept, invalid, with the error and the identity."""
    recipient = RecipientResult(checked=True, matched=False, identity="old@school.example")
    result = save_png(library, errors=(ErrorCode.RECIPIENT_MISMATCH,), recipient=recipient)
    badge = result.badge
    assert badge.status == "invalid"
    assert badge.recipient_mismatch is True
    assert badge.recipient["identity"] == "old@school.example"
    shown = badge.to_json()
    assert shown["errors"][0]["code"] == "RECIPIENT_MISMATCH"
    assert shown["recipient"]["matched"] is False


def test_badge_file_is_content_addressed_and_private(library: Library) -> None:
    """The image is stored once at badges/ab/<sha>.png, mode 0600, in 0700 folders."""
    badge = save_png(library).badge
    save_png(library, assertion_id="https://issuer.example/assertions/2")  # same bytes
    paths = resolve_paths()
    assert badge.sha256 is not None
    stored = paths.badge_files / badge.sha256[:2] / f"{badge.sha256}.png"
    assert stored.read_bytes() == fake_png("a")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.badge_files.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.library_db.stat().st_mode) == 0o600
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temp files left


def test_png_bytes_win_over_a_wrong_media_type(library: Library) -> None:
    """PNG bytes declared as SVG are kept as PNG: the bytes decide."""
    badge = library.save(
        verdict=make_verdict(),
        payload=payload_for(ASSERTION),
        payload_kind="assertion-json",
        image=fake_png("a"),
        media_type="image/svg+xml",
        source=source(),
    ).badge
    assert badge.media_type == "image/png"


def test_svg_badge_is_stored_as_svg(library: Library) -> None:
    """An SVG badge is sniffed as SVG when no media type is given and stored with .svg."""
    badge = library.save(
        verdict=make_verdict("https://issuer.example/assertions/svg"),
        payload="https://issuer.example/assertions/svg",
        payload_kind="url",
        image=SVG,
        media_type=None,
        source=source(),
    ).badge
    assert badge.media_type == "image/svg+xml"
    assert library.export_badge(badge.id)[0].endswith(".svg")


def test_list_json_shape(library: Library) -> None:
    """Each record renders the DESIGN `list --json` keys."""
    badge = save_png(library).badge
    library.set_upload_state(badge.id, "main", "queued")
    shown = library.get(badge.id).to_json()
    for key in (
        "id",
        "assertion_id",
        "status",
        "name",
        "issuer",
        "sha256",
        "saved_at",
        "source",
        "sources",
        "uploads",
        "spec",
        "issued_on",
        "expires",
        "collections",
    ):
        assert key in shown
    assert shown["issuer"] == {
        "id": "https://issuer.example/issuer",
        "name": "Example University",
        "url": "https://issuer.example",
    }
    assert shown["source"]["mail_sender"] == "badges@issuer.example"
    assert shown["uploads"] == [
        {
            "backpack": "main",
            "state": "queued",
            "remote_id": None,
            "public_url": None,
            "attempts": 0,
            "last_error": None,
            "next_attempt_at": None,
            "updated_at": shown["uploads"][0]["updated_at"],
        }
    ]
    json.dumps(shown)  # plain JSON all the way down


def test_get_accepts_unique_prefix(library: Library) -> None:
    """get() takes the full id or a unique prefix of at least 4 characters, any case."""
    badge = save_png(library).badge
    assert library.get(badge.id[:4].upper()).id == badge.id
    with pytest.raises(LibraryError) as short:
        library.get(badge.id[:3])
    assert short.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(LibraryError) as missing:
        library.get("ffff0000ffff")
    assert missing.value.code is ErrorCode.BADGE_NOT_FOUND
    with pytest.raises(LibraryError) as not_hex:
        library.get("../../etc")
    assert not_hex.value.code is ErrorCode.BADGE_NOT_FOUND


def test_ambiguous_prefix_is_refused(library: Library) -> None:
    """A prefix shared by two badges asks for more characters."""
    seen: dict[str, str] = {}
    pair: tuple[str, str] | None = None
    for number in range(100_000):
        assertion_id = f"https://issuer.example/a/{number}"
        prefix = hashlib.sha256(assertion_id.encode()).hexdigest()[:4]
        if prefix in seen:
            pair = (seen[prefix], assertion_id)
            break
        seen[prefix] = assertion_id
    assert pair is not None
    for number, assertion_id in enumerate(pair):
        save_png(library, assertion_id=assertion_id, seed=str(number))
    prefix = hashlib.sha256(pair[0].encode()).hexdigest()[:4]
    with pytest.raises(LibraryError) as ambiguous:
        library.get(prefix)
    assert ambiguous.value.code is ErrorCode.BADGE_ID_AMBIGUOUS


def test_hostile_text_is_stored_safely(library: Library) -> None:
    """Lone surrogates and huge names from a badge are cleaned and capped, not an exception."""
    badge = save_png(library, name="\ud800bad" + "x" * 5000, issuer_name="'; DROP TABLE badges;--")
    assert badge.badge.name is not None and len(badge.badge.name) == 1000
    assert "\ud800" not in badge.badge.name
    assert library.get(badge.badge.id).issuer_name == "'; DROP TABLE badges;--"


def test_overlong_links_are_dropped_not_cut(library: Library) -> None:
    """A data-URI image too long to keep is dropped rather than stored cut short."""
    verdict = make_verdict(ASSERTION)
    verdict.badge.image = "data:image/png;base64," + "A" * 20_000
    badge = library.save(
        verdict=verdict,
        payload=payload_for(ASSERTION),
        payload_kind="assertion-json",
        image=None,
        media_type=None,
        source=SourceInfo(page_url="https://mail.example/" + "x" * 9000, mail_subject="Hi"),
    ).badge
    assert badge.image_url is None
    assert badge.source is not None and badge.source.page_url is None
    assert badge.source.mail_subject == "Hi"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"payload_kind": "pdf"}, ErrorCode.INVALID_ARGUMENT),
        ({"image": b"GIF89a....", "media_type": "image/gif"}, ErrorCode.INVALID_ARGUMENT),
        ({"image": b"GIF89a....", "media_type": None}, ErrorCode.INVALID_ARGUMENT),
        ({"payload": "\udc80"}, ErrorCode.INVALID_ARGUMENT),
    ],
)
def test_bad_arguments_are_refused(
    library: Library, changes: dict[str, object], code: ErrorCode
) -> None:
    """Arguments the library cannot keep raise LibraryError with a code, nothing else."""
    arguments: dict[str, object] = {
        "verdict": make_verdict(),
        "payload": payload_for(ASSERTION),
        "payload_kind": "assertion-json",
        "image": fake_png("a"),
        "media_type": "image/png",
        "source": source(),
        **changes,
    }
    with pytest.raises(LibraryError) as refused:
        library.save(**arguments)  # type: ignore[arg-type]
    assert refused.value.code is code
    assert library.list_badges().total == 0


def test_save_is_visible_to_another_library_instance(library: Library) -> None:
    """A save committed by one instance is read by another (a CLI beside the agent)."""
    badge = save_png(library).badge
    with Library() as other:
        assert other.get(badge.id).name == "Python Basics"


def test_save_rewrites_a_vanished_file(library: Library) -> None:
    """Saving bytes whose file vanished (a racing delete) writes the file again."""
    badge = save_png(library).badge
    assert badge.sha256 is not None
    stored = resolve_paths().badge_files / badge.sha256[:2] / f"{badge.sha256}.png"
    stored.unlink()
    save_png(library)
    assert stored.read_bytes() == fake_png("a")
