"""Valid seeds for the fuzz suite: badges from the sample issuer at a fixed https address."""

from __future__ import annotations

from functools import cache

from agent.sandbox.issuer import IssuedBadge, SampleIssuer
from tests.support.fake_fetcher import DictFetcher, Page

BASE = "https://issuer.example"
EARNER = "ada@example.org"


@cache
def issuer() -> SampleIssuer:
    return SampleIssuer(BASE)


@cache
def seeds() -> dict[str, IssuedBadge]:
    sample = issuer()
    return {
        "ob2-hosted-png": sample.issue_ob2_hosted(EARNER),
        "ob2-hosted-svg": sample.issue_ob2_hosted(EARNER, svg=True),
        "ob2-signed": sample.issue_ob2_signed(EARNER),
        "ob3-jwt": sample.issue_ob3_jwt(EARNER),
        "ob3-di": sample.issue_ob3_data_integrity(EARNER, svg=False),
    }


def fetcher() -> DictFetcher:
    """A fetcher answering every document the sample issuer published."""
    sample = issuer()
    seeds()
    return DictFetcher(
        {
            BASE + path: Page(doc.body, doc.status, doc.content_type)
            for path, doc in sample.documents.items()
        }
    )
