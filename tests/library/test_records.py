"""Verifications, uploads and deletes on saved badges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.errors import ErrorCode, LibraryError
from agent.library import BadgeRecord, Library
from agent.library.saving import MAX_VERIFICATIONS_KEPT, iso
from agent.paths import resolve_paths
from tests.library.factories import BASE_TIME, fake_png, make_verdict, payload_for, source


def save(library: Library, assertion_id: str, seed: str | None = None) -> BadgeRecord:
    return library.save(
        verdict=make_verdict(assertion_id),
        payload=payload_for(assertion_id),
        payload_kind="assertion-json",
        image=fake_png(seed or assertion_id),
        media_type="image/png",
        source=source(),
    ).badge


def test_record_verification_sets_current_status(library: Library) -> None:
    """A newer verdict (revoked) becomes the badge's status and is kept in the history."""
    badge = save(library, "https://issuer.example/a/1")
    later = make_verdict(
        "https://issuer.example/a/1",
        checked_at=BASE_TIME + timedelta(days=1),
        errors=(ErrorCode.REVOKED,),
    )
    updated = library.record_verification(badge.id, later)
    assert updated.status == "revoked"
    assert updated.errors[0]["code"] == "REVOKED"
    history = library.verifications(badge.id)
    assert [v.status for v in history] == ["revoked", "valid"]
    assert history[0].verdict["status"] == "revoked"
    assert history[0].verdict["badge"]["name"] == "Python Basics"


def test_verifications_recorded_in_one_batch_skip_deleted_badges(library: Library) -> None:
    """record_verifications stores many verdicts at once, clears unreachable notes, and answers
    None for a badge deleted meanwhile."""
    kept, gone = (
        save(library, "https://issuer.example/a/1"),
        save(library, "https://issuer.example/a/2"),
    )
    note = {"at": "2026-01-01T00:00:00Z", "code": "HTTP_ERROR", "message": "503"}
    library.set_check_notes([(kept.id, note, "2026-02-01"), ("feedfacecafe", note, None)])
    assert library.get(kept.id).unreachable == note
    library.delete(gone.id)
    later = BASE_TIME + timedelta(days=1)
    answers = library.record_verifications(
        [
            (
                kept.id,
                make_verdict(
                    "https://issuer.example/a/1", checked_at=later, errors=(ErrorCode.REVOKED,)
                ),
            ),
            (gone.id, make_verdict("https://issuer.example/a/2", checked_at=later)),
        ]
    )
    assert answers[1] is None
    assert answers[0] is not None and answers[0].status == "revoked"
    assert answers[0].unreachable is None and answers[0].expiring_announced == "2026-02-01"
    assert [v.status for v in library.verifications(kept.id)] == ["revoked", "valid"]
    assert library.unreachable() == []


def test_older_verdict_does_not_override_newer(library: Library) -> None:
    """A verdict older than the current one is stored but changes nothing."""
    badge = save(library, "https://issuer.example/a/1")
    older = make_verdict(
        "https://issuer.example/a/1",
        checked_at=BASE_TIME - timedelta(days=1),
        errors=(ErrorCode.EXPIRED,),
    )
    assert library.record_verification(badge.id, older).status == "valid"
    assert len(library.verifications(badge.id)) == 2


def test_verdict_without_summary_keeps_known_fields(library: Library) -> None:
    """An error verdict (issuer unreachable) does not blank the badge's name and issuer."""
    badge = save(library, "https://issuer.example/a/1")
    offline = make_verdict(
        "https://issuer.example/a/1",
        name=None,
        issuer_name=None,
        checked_at=BASE_TIME + timedelta(hours=1),
        errors=(ErrorCode.FETCH_FAILED,),
    )
    updated = library.record_verification(badge.id, offline)
    assert updated.status == "error"
    assert updated.name == "Python Basics"
    assert updated.issuer_name == "Example University"


def test_verification_history_is_bounded(library: Library) -> None:
    """A badge whose verdict keeps changing keeps the newest verifications only."""
    badge = save(library, "https://issuer.example/a/1")
    for hours in range(1, MAX_VERIFICATIONS_KEPT + 5):
        library.record_verification(
            badge.id,
            make_verdict(
                "https://issuer.example/a/1",
                checked_at=BASE_TIME + timedelta(hours=hours),
                errors=(ErrorCode.HTTP_ERROR,) if hours % 2 else (),
            ),
        )
    history = library.verifications(badge.id, limit=500)
    assert len(history) == MAX_VERIFICATIONS_KEPT
    newest = BASE_TIME + timedelta(hours=MAX_VERIFICATIONS_KEPT + 4)
    assert history[0].checked_at == iso(newest)
    assert history[-1].checked_at == iso(newest - timedelta(hours=MAX_VERIFICATIONS_KEPT - 1))


def test_a_recheck_that_finds_the_same_refreshes_the_newest_entry(library: Library) -> None:
    """Identical re-checks keep one history row with the latest time; a change adds a row."""
    badge = save(library, "https://issuer.example/a/1")
    for hours in (1, 2, 3):
        later = BASE_TIME + timedelta(hours=hours)
        library.record_verification(badge.id, make_verdict(badge.assertion_id, checked_at=later))
    history = library.verifications(badge.id)
    assert [(v.status, v.checked_at) for v in history] == [("valid", iso(later))]
    revoked = make_verdict(
        badge.assertion_id, checked_at=later + timedelta(hours=1), errors=(ErrorCode.REVOKED,)
    )
    library.record_verification(badge.id, revoked)
    assert [v.status for v in library.verifications(badge.id)] == ["revoked", "valid"]


def test_upload_states_count_attempts_and_keep_remote_id(library: Library) -> None:
    """Uploading counts attempts; done keeps the remote id and clears the error."""
    badge = save(library, "https://issuer.example/a/1")
    library.set_upload_state(badge.id, "backpack", "queued")
    library.set_upload_state(badge.id, "backpack", "uploading")
    failed = library.set_upload_state(badge.id, "backpack", "failed", error="HTTP 503")
    assert (failed.state, failed.attempts, failed.last_error) == ("failed", 1, "HTTP 503")
    library.set_upload_state(badge.id, "backpack", "uploading")
    done = library.set_upload_state(badge.id, "backpack", "done", remote_id="remote-42")
    assert (done.attempts, done.remote_id, done.last_error) == (2, "remote-42", None)
    requeued = library.set_upload_state(badge.id, "backpack", "queued")
    assert (requeued.attempts, requeued.remote_id) == (0, "remote-42")


def test_uploads_are_unique_per_backpack(library: Library) -> None:
    """One upload row per (badge, backpack), listed by uploads() and in the record."""
    badge = save(library, "https://issuer.example/a/1")
    library.set_upload_state(badge.id, "b", "queued")
    library.set_upload_state(badge.id, "a", "queued")
    library.set_upload_state(badge.id, "a", "uploading")
    assert [(u.backpack, u.state) for u in library.uploads(badge.id)] == [
        ("a", "uploading"),
        ("b", "queued"),
    ]
    assert [u["backpack"] for u in library.get(badge.id).to_json()["uploads"]] == ["a", "b"]
    queued = library.uploads_in_state("queued")
    assert [(u.badge_id, u.backpack) for u in queued] == [(badge.id, "b")]
    assert library.forget_backpack("a") == 1
    assert [u.backpack for u in library.uploads(badge.id)] == ["b"]


def test_upload_state_refuses_unknown_state(library: Library) -> None:
    """An unknown upload state is INVALID_ARGUMENT; an unknown badge is BADGE_NOT_FOUND."""
    badge = save(library, "https://issuer.example/a/1")
    with pytest.raises(LibraryError) as bad_state:
        library.set_upload_state(badge.id, "b", "lost")  # type: ignore[arg-type]
    assert bad_state.value.code is ErrorCode.INVALID_ARGUMENT
    with pytest.raises(LibraryError) as missing:
        library.set_upload_state("abcdef123456", "b", "queued")
    assert missing.value.code is ErrorCode.BADGE_NOT_FOUND
    with pytest.raises(LibraryError) as long_id:
        library.set_upload_state(badge.id, "b", "done", remote_id="r" * 10_000)
    assert long_id.value.code is ErrorCode.INVALID_ARGUMENT


def test_delete_removes_rows_and_file(library: Library) -> None:
    """Deleting a badge removes its rows, sources, uploads and its file."""
    badge = save(library, "https://issuer.example/a/1")
    library.set_upload_state(badge.id, "b", "queued")
    assert badge.sha256 is not None
    stored = resolve_paths().badge_files / badge.sha256[:2] / f"{badge.sha256}.png"
    deleted = library.delete(badge.id[:6])
    assert deleted.id == badge.id
    assert not stored.exists()
    assert library.list_badges().total == 0
    assert library.uploads_in_state("queued") == []
    with pytest.raises(LibraryError) as gone:
        library.get(badge.id)
    assert gone.value.code is ErrorCode.BADGE_NOT_FOUND
    assert library.integrity_errors() == []


def test_delete_keeps_file_another_badge_uses(library: Library) -> None:
    """A file shared by two badges stays until the last one is deleted."""
    first = save(library, "https://issuer.example/a/1", seed="shared")
    # A badge first saved from its link, then with the same image bytes, shares the file.
    url_badge = library.save(
        verdict=make_verdict("https://issuer.example/a/2"),
        payload="https://issuer.example/a/2",
        payload_kind="url",
        image=None,
        media_type=None,
        source=source(),
    ).badge
    library.save(
        verdict=make_verdict("https://issuer.example/a/2"),
        payload="https://issuer.example/a/2",
        payload_kind="url",
        image=fake_png("shared"),
        media_type="image/png",
        source=source(),
    )
    assert library.get(url_badge.id).sha256 == first.sha256
    assert first.sha256 is not None
    stored = resolve_paths().badge_files / first.sha256[:2] / f"{first.sha256}.png"
    library.delete(first.id)
    assert stored.read_bytes() == fake_png("shared")
    library.delete(url_badge.id)
    assert not stored.exists()


def test_due_for_check_lists_oldest_first(library: Library) -> None:
    """Badges whose last check is older than a time come back oldest check first."""
    first = save(library, "https://issuer.example/a/1")
    second = save(library, "https://issuer.example/a/2")
    library.record_verification(
        first.id,
        make_verdict("https://issuer.example/a/1", checked_at=BASE_TIME + timedelta(days=2)),
    )
    due = library.due_for_check(BASE_TIME + timedelta(days=1))
    assert [b.id for b in due] == [second.id]


def test_find_by_assertion_or_image(library: Library) -> None:
    """find() answers whether a badge is already saved, by its id or image hash."""
    badge = save(library, "https://issuer.example/a/1")
    assert library.find(assertion_id="https://issuer.example/a/1") == library.get(badge.id)
    assert library.find(sha256=badge.sha256) == library.get(badge.id)
    assert library.find(assertion_id="https://issuer.example/other") is None


def test_out_of_range_numbers_are_invalid_argument(library: Library) -> None:
    """Huge ids, positions and limits are INVALID_ARGUMENT, never OverflowError."""
    badge = save(library, "https://issuer.example/a/1")
    calls = (
        lambda: library.collection(2**80),
        lambda: library.add_to_collection(2**80, badge.id),
        lambda: library.list_badges(collection=2**80),
        lambda: library.verifications(badge.id, limit=2**80),
        lambda: library.verifications(badge.id, limit=-1),
        lambda: library.uploads_in_state("queued", limit=0),
        lambda: library.due_for_check(BASE_TIME, limit=10**9),
    )
    for call in calls:
        with pytest.raises(LibraryError) as refused:
            call()
        assert refused.value.code is ErrorCode.INVALID_ARGUMENT
