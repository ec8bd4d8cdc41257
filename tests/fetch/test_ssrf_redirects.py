"""SSRF through the real SafeFetcher: hostile redirects (other schemes, local targets, odd
spellings of a Location) from a public issuer (see ssrf_support.py).
"""

from __future__ import annotations

from collections import Counter

import pytest
from yarl import URL

from agent.errors import ErrorCode, FetchError
from tests.fetch.conftest import Canary
from tests.fetch.ssrf_support import (
    ISSUER,
    Internet,
    Issuer,
    StartCanary,
    guarded,
    issuer_dns,
    refused,
)

pytestmark = pytest.mark.timeout(30)


# --- Redirects ---
# test_client.py pins file:///etc/passwd, gopher://, data:text/plain, ftp:// and user:pw@ (from an
# allow-listed issuer) and the 127.0.0.1, localhost and [::ffff:127.0.0.1] targets. In a Location
# below, "{canary}" is the canary's port and "{issuer}" the issuer's host:port.


async def follow(
    internet: Internet, issuer: Issuer, bird: Canary, location: str
) -> str | ErrorCode:
    """Fetch /a/start, answered with ``Location: <location>``: the path it lands on, or the code.

    Whatever happens, only public addresses were contacted, and the canary never was.
    """
    filled = location.format(canary=bird.port, issuer=f"{ISSUER}:{issuer.port}")
    issuer.redirect("/a/start", filled)
    resolver = issuer_dns(**{"local.example": [["127.0.0.1"]]})
    outcome: str | ErrorCode
    async with guarded(internet, resolver) as fetcher:
        try:
            final = URL((await fetcher.get(issuer.url("/a/start"))).url)
        except FetchError as exc:
            outcome = exc.code
        else:
            assert (final.host, final.port) == (ISSUER, issuer.port)
            outcome = final.raw_path_qs.replace(str(bird.port), "{canary}")
    assert internet.only_public and bird.connections == 0
    return outcome


@pytest.mark.parametrize(
    "location",
    [
        "javascript:alert(1)",
        "JavaScript:fetch('http://127.0.0.1:{canary}/')",
        "FILE:///etc/passwd",
        "file:/etc/passwd",
        "file://localhost/etc/passwd",
        "data:application/json;base64,e30=",
        "gopher://127.0.0.1:{canary}/_GET%20/",
        "ftp://127.0.0.1:{canary}/",
        "dict://127.0.0.1:{canary}/info",
        "ws://127.0.0.1:{canary}/",
        "view-source:http://127.0.0.1:{canary}/",
        "http://user@{issuer}/ok",
        "http://:@{issuer}/ok",
        "http://{issuer}@127.0.0.1:{canary}/",
    ],
)
async def test_redirect_to_another_scheme_or_with_user_info_is_refused(
    internet: Internet, issuer: Issuer, canary: StartCanary, location: str
) -> None:
    """A public issuer's redirect off http(s), or carrying a user name, is SCHEME_REFUSED."""
    assert await follow(internet, issuer, await canary(), location) is ErrorCode.SCHEME_REFUSED
    assert issuer.hits == Counter({"/a/start": 1})


@pytest.mark.parametrize(
    "location",
    [
        "//127.0.0.1:{canary}/x",  # scheme-relative
        "http://[::1]:{canary}/",
        "https://127.0.0.1:{canary}/",
        "http://0.0.0.0:{canary}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:{canary}#@{issuer}/",
        "http://local.example:{canary}/",  # a name the seam resolves to 127.0.0.1
        "\thttp://127.0.0.1:{canary}/",  # yarl drops tabs, as browsers do
        "http://127.0.0.\t1:{canary}/",
    ],
)
async def test_redirect_to_a_local_address_is_refused(
    internet: Internet, issuer: Issuer, canary: StartCanary, location: str
) -> None:
    """A public issuer cannot redirect the fetcher to loopback, metadata or the local host."""
    assert await follow(internet, issuer, await canary(), location) is ErrorCode.ADDRESS_REFUSED
    assert issuer.hits == Counter({"/a/start": 1})


# Browsers read some of these (backslashes, "http:/host") as naming a new host; yarl follows
# RFC 3986 and stays on the issuer. Either reading is safe: a new host is judged like any other.
@pytest.mark.parametrize(
    ("location", "lands"),
    [
        ("../../../127.0.0.1:{canary}/x", "/127.0.0.1:{canary}/x"),
        ("/..//127.0.0.1:{canary}/x", "//127.0.0.1:{canary}/x"),
        ("///127.0.0.1:{canary}/x", "/127.0.0.1:{canary}/x"),
        ("http:/127.0.0.1:{canary}/x", "/127.0.0.1:{canary}/x"),
        ("http:127.0.0.1:{canary}/x", "/a/127.0.0.1:{canary}/x"),
        ("\\\\127.0.0.1:{canary}/x", "/a/%5C%5C127.0.0.1:{canary}/x"),
        ("/\\127.0.0.1:{canary}/x", "/%5C127.0.0.1:{canary}/x"),
        ("?next=http://127.0.0.1:{canary}/", "/a/start?next=http://127.0.0.1:{canary}/"),
        ("http://@{issuer}/ok", "/ok"),  # an empty user info is no user info: dropped
    ],
)
async def test_relative_redirect_spellings_stay_on_the_issuer(
    internet: Internet, issuer: Issuer, canary: StartCanary, location: str, lands: str
) -> None:
    """Relative Locations that look like hosts resolve against the issuer and stay there."""
    assert await follow(internet, issuer, await canary(), location) == lands


@pytest.mark.parametrize(
    ("location", "outcome"),
    [
        # A bare CR or a NUL in the value, or a space before the colon: aiohttp's parser rejects
        # the whole answer.
        ("/ok\rhttp://127.0.0.1:{canary}/", ErrorCode.FETCH_FAILED),
        ("/ok\x00http://127.0.0.1:{canary}/", ErrorCode.FETCH_FAILED),
        # Two Location headers (after CRLF or a bare LF): the first one is followed.
        ("/ok\r\nLocation: http://127.0.0.1:{canary}/", "/ok"),
        ("/ok\nLocation: http://127.0.0.1:{canary}/", "/ok"),
        ("http://127.0.0.1:{canary}/\r\nLocation: /ok", ErrorCode.ADDRESS_REFUSED),
        # A folded continuation line joins the path; percent-encoded CR LF stays in the path.
        ("/ok\r\n http://127.0.0.1:{canary}/", "/ok%20http://127.0.0.1:{canary}/"),
        ("/ok%0d%0aLocation:%20http://[::1]/", "/ok%0D%0ALocation:%20http://%5B::1%5D/"),
        # Spaces and tabs: trimmed around the value, encoded in the path, refused in the host.
        ("\t http://127.0.0.1:{canary}/  ", ErrorCode.ADDRESS_REFUSED),
        ("http://127.0.0.1:{canary}/ x", ErrorCode.ADDRESS_REFUSED),
        ("http://127.0.0.1\t:{canary}/", ErrorCode.ADDRESS_REFUSED),
        ("/o k", "/o%20k"),
        # A space inside the host makes a name the resolver does not know, never an address.
        ("http://127.0.0.1 :{canary}/", ErrorCode.FETCH_FAILED),
        ("http:// 127.0.0.1:{canary}/", ErrorCode.FETCH_FAILED),
        ("\x80http://127.0.0.1:{canary}/", "/a/http://127.0.0.1:{canary}/"),
        ("", ErrorCode.TOO_MANY_REDIRECTS),  # itself, again and again
    ],
)
async def test_location_with_control_characters_or_spaces_never_reaches_loopback(
    internet: Internet, issuer: Issuer, canary: StartCanary, location: str, outcome: object
) -> None:
    """Location values with CR, LF, NUL, folding or spaces: followed on the issuer or refused."""
    assert await follow(internet, issuer, await canary(), location) == outcome


async def test_relative_hops_then_an_absolute_private_hop_is_refused(
    internet: Internet, issuer: Issuer, canary: StartCanary
) -> None:
    """Relative redirects that climb the path, then an absolute hop to loopback: refused there."""
    bird = await canary()
    issuer.redirect("/a/b/start", "../../c/./next")
    issuer.redirect("/c/next", "../last")
    issuer.redirect("/last", f"http://127.0.0.1:{bird.port}/admin")
    await refused(internet, issuer_dns(), issuer.url("/a/b/start"), ErrorCode.ADDRESS_REFUSED)
    assert issuer.hits == Counter({"/a/b/start": 1, "/c/next": 1, "/last": 1})
    assert internet.only_public and bird.connections == 0
