"""Uploading to each kind of backpack in the sandbox: what is sent, what the backpack keeps, the
public page it gives, duplicates, recipient mismatches, idempotency and auto-upload."""

from __future__ import annotations

import aiohttp
import pytest

from agent.backpack.auto_upload import AutoUploadSink
from agent.backpack.errors import BackpackError
from agent.errors import ErrorCode
from tests.backpack.conftest import EARNER, Harness


async def _page(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 200
        return await answer.text()


@pytest.mark.parametrize("kind", ["ob2-hosted", "ob2-signed"])
async def test_badge_connect_delivers_ob2_badges(harness: Harness, kind: str) -> None:
    """POST /assertions delivers hosted and signed badges; the receipt names the public page."""
    await harness.add_and_connect("sb")
    issued = harness.issue(kind)
    badge_id = await harness.save(issued)
    await harness.backpacks.upload(badge_id, "sb")
    report = await harness.backpacks.drain()
    upload = report.uploads[0]
    assert upload.state == "done"
    assert upload.remote_id == issued.assertion_id
    assert upload.public_url is not None and "/public/badges/" in upload.public_url
    page = await _page(upload.public_url)
    assert "property='og:title' content='" in page and issued.label in page
    held = harness.sandbox.backpack.store.badges(1, accepted_only=True)
    assert [b.assertion_id for b in held] == [issued.assertion_id]
    done = harness.sink.named("upload.done")
    assert done[0]["badge_id"] == badge_id and done[0]["duplicate"] is False


@pytest.mark.parametrize("kind", ["ob3-jwt", "ob3-di"])
async def test_ob3_api_delivers_credentials(harness: Harness, kind: str) -> None:
    """POST /credentials takes a VC-JWT as text/plain and a JSON credential as JSON."""
    await harness.add_and_connect("ob3", "ob3")
    issued = harness.issue(kind)
    badge_id = await harness.save(issued)
    await harness.backpacks.upload(badge_id)  # the default backpack that takes OB 3.0
    await harness.backpacks.drain()
    state = await harness.upload_state(badge_id, "ob3")
    assert state["state"] == "done" and state["remote_id"] == issued.assertion_id
    stored = harness.sandbox.backpack.store.badge_by_assertion(1, issued.assertion_id)
    assert stored is not None and stored.state == "accepted"
    assert stored.payload_kind == ("vc-jwt" if kind == "ob3-jwt" else "credential-json")


async def test_badgr_imports_by_url_and_by_image(harness: Harness) -> None:
    """Badgr's import gets a hosted badge as url and a signed one as a baked-image data URI."""
    await harness.add_and_connect("badgr", "badgr")
    hosted = harness.issue("ob2-hosted")
    signed = harness.issue("ob2-signed")
    ids = [await harness.save(hosted), await harness.save(signed)]
    for badge_id in ids:
        await harness.backpacks.upload(badge_id, "badgr")
    await harness.backpacks.drain()
    states = [await harness.upload_state(i, "badgr") for i in ids]
    assert [s["state"] for s in states] == ["done", "done"]
    store = harness.sandbox.backpack.store
    by_url = store.badge_by_assertion(1, hosted.assertion_id)
    by_image = store.badge_by_assertion(1, signed.assertion_id)
    assert by_url is not None and by_url.payload_kind == "url"
    assert by_image is not None and by_image.image == signed.image  # the baked image itself
    assert states[0]["remote_id"] == by_url.id  # Badgr's entity id
    assert states[0]["public_url"].endswith(f"/public/badges/{by_url.id}")


async def test_badgr_duplicate_answer_counts_as_delivered(harness: Harness) -> None:
    """DUPLICATE_BADGE is success: the upload is done, its entity found, nothing stored twice."""
    await harness.add_and_connect("sb")
    await harness.add_and_connect("badgr", "badgr")
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.drain()
    await harness.backpacks.upload(badge_id, "badgr")  # same account: Badgr says duplicate
    await harness.backpacks.drain()
    state = await harness.upload_state(badge_id, "badgr")
    assert state["state"] == "done" and state["remote_id"] is not None
    assert harness.sink.named("upload.done")[-1]["duplicate"] is True
    assert list(harness.sandbox.backpack.store.created.values()) == [1]


async def test_badgr_recipient_mismatch_is_explained_with_both_addresses(
    harness: Harness,
) -> None:
    """VERIFY_RECIPIENT_IDENTIFIER fails the upload with a sentence naming both addresses."""
    other = "ada@home.example"
    await harness.library.add_email(other)
    await harness.add_and_connect("badgr", "badgr")
    badge_id = await harness.save(harness.issue(recipient=other))
    await harness.backpacks.upload(badge_id, "badgr")
    await harness.backpacks.drain()
    state = await harness.upload_state(badge_id, "badgr")
    assert state["state"] == "failed"
    message = state["last_error"]
    assert f"uses {EARNER}" in message and f"issued to {other}" in message
    assert f"add and verify {other} in the backpack" in message
    failed = harness.sink.named("upload.failed")
    assert failed[0]["error"]["code"] == "BACKPACK_RECIPIENT_MISMATCH" and failed[0]["final"]


async def test_badge_connect_recipient_mismatch_maps_to_our_code(harness: Harness) -> None:
    """Badge Connect's RECIPIENT_PROFILE_MISMATCH becomes BACKPACK_RECIPIENT_MISMATCH."""
    other = "ada@home.example"
    await harness.library.add_email(other)
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue(recipient=other))
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.drain()
    failed = harness.sink.named("upload.failed")
    assert failed[0]["error"]["code"] == "BACKPACK_RECIPIENT_MISMATCH"


async def test_a_badge_the_kind_does_not_take_is_refused_before_queueing(
    harness: Harness,
) -> None:
    """An OB 3.0 badge named for a Badge Connect backpack is BACKPACK_UNSUPPORTED_BADGE."""
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue("ob3-jwt"))
    with pytest.raises(BackpackError) as refused:
        await harness.backpacks.upload(badge_id, "sb")
    assert refused.value.code is ErrorCode.BACKPACK_UNSUPPORTED_BADGE
    assert await harness.library.uploads(badge_id) == []


async def test_uploads_are_idempotent_per_badge_and_backpack(harness: Harness) -> None:
    """A badge done at a backpack is not sent again, however often it is queued."""
    await harness.add_and_connect("sb")
    badge_id = await harness.save(harness.issue())
    await harness.backpacks.upload(badge_id, "sb")
    await harness.backpacks.upload(badge_id, "sb")  # already queued: nothing new
    await harness.backpacks.drain()
    again = await harness.backpacks.upload(badge_id, "sb")
    assert again[0].state == "done"
    await harness.backpacks.drain()
    posts = harness.sandbox.backpack.faults.received
    assert posts["POST /bc/ims/ob/v2p1/assertions"] == 1
    assert len(harness.sink.named("upload.queued")) == 1


async def test_auto_upload_queues_valid_badges_on_save(harness: Harness) -> None:
    """With auto_upload on, saving a valid badge queues it for the default backpacks."""
    await harness.add_and_connect("sb")
    await harness.library.set_setting("auto_upload", True)
    harness.keeper.events = AutoUploadSink(harness.sink, harness.backpacks)
    valid = await harness.save(harness.issue())
    flagged = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER, revocation="flag"), EARNER)
    revoked = await harness.save(flagged)
    assert await harness.backpacks.settled(5)
    assert [u.state for u in await harness.library.uploads(valid)] == ["queued"]
    assert await harness.library.uploads(revoked) == []


async def test_auto_upload_is_off_by_default(harness: Harness) -> None:
    """Without the preference, saving queues nothing."""
    await harness.add_and_connect("sb")
    harness.keeper.events = AutoUploadSink(harness.sink, harness.backpacks)
    badge_id = await harness.save(harness.issue())
    assert await harness.backpacks.settled(5)
    assert await harness.library.uploads(badge_id) == []


async def test_a_collection_is_pushed_to_badgr_and_updated(harness: Harness) -> None:
    """collections.push fills the Badgr collection with the uploaded badges, skips the others,
    and a second push updates the same collection."""
    await harness.add_and_connect("badgr", "badgr")
    uploaded = await harness.save(harness.issue())
    later = await harness.save(harness.issue("ob2-signed"))
    await harness.backpacks.upload(uploaded, "badgr")
    await harness.backpacks.drain()
    collection = await harness.library.create_collection("Highlights")
    for badge_id in (uploaded, later):
        await harness.library.add_to_collection(collection.id, badge_id)
    first = await harness.backpacks.push_collection("badgr", collection.id)
    assert first["badges"] == 1 and first["skipped"] == [later]
    held = harness.sandbox.backpack.store.collection(first["remote_id"])
    assert held is not None and held["name"] == "Highlights"
    page = await _page(first["share_url"])
    assert "Teamwork" in page
    await harness.backpacks.upload(later, "badgr")
    await harness.backpacks.drain()
    second = await harness.backpacks.push_collection("badgr", collection.id)
    assert second["remote_id"] == first["remote_id"] and second["badges"] == 2
    await harness.add_and_connect("sb")
    with pytest.raises(BackpackError) as refused:
        await harness.backpacks.push_collection("sb", collection.id)
    assert refused.value.code is ErrorCode.INVALID_ARGUMENT
