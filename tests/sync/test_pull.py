"""Pull: badges a connected backpack holds (auto-associated by address) come into the library."""

from __future__ import annotations

import pytest

from tests.sync.conftest import EARNER, SyncHarness

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("kind", ["badge-connect", "badgr"])
async def test_backpack_badges_the_library_lacks_are_pulled(
    harness: SyncHarness, kind: str
) -> None:
    """A badge the backpack auto-associated is saved here, its source the backpack."""
    await harness.connect("sandbox", kind)
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    summary = await harness.engine().run()
    assert summary.pulled == 1, summary.errors
    record = await harness.services.library.find(assertion_id=badge.assertion_id)
    assert record is not None
    assert record.status == "valid"
    assert record.source is not None
    assert record.source.page_url == harness.sandbox.backpack.base_url.rstrip("/")
    assert record.source.backpack == "sandbox"
    assert record.to_json()["source"]["backpack"] == "sandbox"
    again = await harness.engine().run()
    assert again.pulled == 0  # already here: nothing saved twice


async def test_a_badge_already_saved_is_not_pulled(harness: SyncHarness) -> None:
    """A badge saved from the e-mail is not saved again from the backpack."""
    await harness.connect("sandbox", "badge-connect")
    badge = harness.sandbox.issue(lambda i: i.issue_ob2_hosted(EARNER), EARNER)
    await harness.save(badge)
    summary = await harness.engine().run()
    assert summary.pulled == 0
    assert (await harness.services.library.list_badges()).total == 1


async def test_a_backpack_that_is_not_connected_is_skipped(harness: SyncHarness) -> None:
    """A backpack waiting to be connected is not asked, and nothing fails."""
    await harness.services.backpacks.add(
        "later", "badge-connect", harness.sandbox.backpack.base_url
    )
    summary = await harness.engine().run()
    assert summary.pulled == 0
    assert summary.errors == {}
