"""BadgeKeeper: save → verify → library against a real issuer, a real fetcher and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from agent.bakery import unbake
from agent.errors import BadgekeeperError, ErrorCode
from agent.fetch.client import SafeFetcher
from agent.fetch.guard import parse_allow_hosts
from agent.keeper import BadgeKeeper
from agent.library import AsyncLibrary, SourceInfo
from agent.paths import resolve_paths
from agent.sandbox.issuer import Document
from agent.sandbox.issuer_app import IssuerServer, run_issuer
from tests.support.recording import RecordingSink

EARNER = "earner@example.org"


@dataclass
class Setup:
    keeper: BadgeKeeper
    library: AsyncLibrary
    server: IssuerServer
    sink: RecordingSink


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    async with run_issuer() as server:
        allow = parse_allow_hosts(server.base_url.removeprefix("http://"))
        paths = resolve_paths()
        async with (
            # No batch reuse: re-verification must see the issuer's change at once.
            SafeFetcher(
                allow_hosts=allow, cache_dir=paths.http_cache, batch_reuse_seconds=0
            ) as fetcher,
            AsyncLibrary(paths) as library,
        ):
            await library.add_email(EARNER)
            sink = RecordingSink()
            yield Setup(BadgeKeeper(library, fetcher, events=sink), library, server, sink)


async def test_save_image_verifies_and_stores(setup: Setup) -> None:
    """A baked PNG is verified with the user's addresses and stored with its image."""
    badge = setup.server.issuer.issue_ob2_hosted(EARNER)
    outcome = await setup.keeper.save_bytes(
        badge.image, SourceInfo(page_url="https://mail.google.com/mail/u/0/", mail_subject="Hi")
    )
    assert outcome.created
    assert outcome.verdict.status == "valid"
    assert outcome.badge.assertion_id == badge.assertion_id
    assert outcome.badge.recipient["matched"] is True
    image = await setup.library.image(outcome.badge.id)
    assert image is not None and image[0] == badge.image
    assert setup.sink.events[0][0] == "badge.saved"


async def test_saving_twice_keeps_one_badge(setup: Setup) -> None:
    """The same badge saved from two mails is one badge with two sources."""
    badge = setup.server.issuer.issue_ob3_jwt(EARNER)
    first = await setup.keeper.save_bytes(badge.image, SourceInfo(mail_subject="one"))
    second = await setup.keeper.save_bytes(badge.image, SourceInfo(mail_subject="two"))
    assert first.created and not second.created
    assert first.badge.id == second.badge.id
    assert [s.mail_subject for s in second.badge.sources] == ["two", "one"]
    assert (await setup.library.list_badges()).total == 1


async def test_recipient_mismatch_is_saved_and_flagged(setup: Setup) -> None:
    """A badge issued to another address is kept, flagged with the explanation."""
    badge = setup.server.issuer.issue_ob2_hosted("someone@else.example")
    outcome = await setup.keeper.save_bytes(badge.image, SourceInfo())
    assert outcome.badge.status == "invalid"
    assert outcome.badge.recipient_mismatch


async def test_save_hosted_assertion_url_bakes_its_image(setup: Setup) -> None:
    """Saving a hosted assertion link stores the badge image with the assertion baked in."""
    badge = setup.server.issuer.issue_ob2_hosted(EARNER)
    outcome = await setup.keeper.save_url(badge.assertion_id, SourceInfo())
    assert outcome.verdict.status == "valid"
    image = await setup.library.image(outcome.badge.id)
    assert image is not None
    found = unbake(image[0])
    assert found is not None and badge.assertion_id in found.payload
    assert outcome.badge.source is not None
    assert outcome.badge.source.page_url == badge.assertion_id


async def test_save_badgr_image_url(setup: Setup) -> None:
    """A Badgr-style …/public/assertions/<id>/image link saves the assertion behind it."""
    badge = setup.server.issuer.issue_ob2_hosted(EARNER, badgr_style=True)
    outcome = await setup.keeper.save_url(badge.assertion_id + "/image", SourceInfo())
    assert outcome.verdict.status == "valid"
    assert outcome.badge.assertion_id == badge.assertion_id
    image = await setup.library.image(outcome.badge.id)
    assert image is not None and unbake(image[0]) is not None


async def test_save_html_page_follows_alternate_link(setup: Setup) -> None:
    """An assertion page that answers HTML is followed to its JSON alternate."""
    badge = setup.server.issuer.issue_ob2_hosted(EARNER)
    key = badge.assertion_id.rsplit("/", 1)[1]
    outcome = await setup.keeper.save_url(f"{setup.server.base_url}/pages/{key}", SourceInfo())
    assert outcome.verdict.status == "valid"
    assert outcome.badge.assertion_id == badge.assertion_id


async def test_plain_image_is_not_a_badge(setup: Setup) -> None:
    """An image without badge data is refused with NO_BADGE_DATA and nothing is stored."""
    with pytest.raises(BadgekeeperError) as caught:
        await setup.keeper.save_url(f"{setup.server.base_url}/images/teamwork.png", SourceInfo())
    assert caught.value.code is ErrorCode.NO_BADGE_DATA
    assert (await setup.library.list_badges()).total == 0


async def test_reverify_records_revocation(setup: Setup) -> None:
    """A badge revoked after saving turns revoked on re-verification, with an event."""
    badge = setup.server.issuer.issue_ob2_hosted(EARNER)
    saved = await setup.keeper.save_bytes(badge.image, SourceInfo())
    path = badge.assertion_id.removeprefix(setup.server.base_url)
    setup.server.issuer.documents[path] = Document(b"", "text/plain", 410)
    outcome = await setup.keeper.reverify(saved.badge.id)
    assert outcome.badge.status == "revoked"
    event, params = setup.sink.events[-1]
    assert event == "badge.verified" and params["previous"] == "valid"


async def test_inspect_never_raises(setup: Setup) -> None:
    """inspect tells a badge from a non-badge without network or library."""
    badge = setup.server.issuer.issue_ob3_data_integrity(EARNER)
    yes = await setup.keeper.inspect(badge.image)
    no = await setup.keeper.inspect(b"\xff\xd8\xff\xe0 not a png")
    assert yes["badge"] is True and yes["spec"] == "ob3"
    assert no["badge"] is False and no["error"]["code"] == "IMAGE_UNSUPPORTED"
    assert setup.server.total_hits == 0


async def test_delete_publishes_event(setup: Setup) -> None:
    """Deleting removes the badge and announces it."""
    badge = setup.server.issuer.issue_ob2_signed(EARNER)
    saved = await setup.keeper.save_bytes(badge.image, SourceInfo())
    await setup.keeper.delete(saved.badge.id)
    assert (await setup.library.list_badges()).total == 0
    assert setup.sink.events[-1] == ("badge.deleted", {"id": saved.badge.id})
