"""SVG: the badge element under any prefix, streaming, and baking that round-trips exactly."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from agent.bakery import PayloadKind, Unbaked, bake, unbake
from agent.bakery.sniff import sniff
from agent.bakery.svg import _fast_scan, unbake_svg
from agent.errors import BakeryError, ErrorCode

from .builders import HOSTED_ASSERTION, OB1_ASSERTION, OB2_NS, OB3_NS, payloads, svg_image

OB3_KINDS = {"credential-json", "vc-jwt"}
URL = "https://issuer.example/assertions/123"


def parse_baked(data: bytes) -> ET.Element:
    """Parse our own baked output (a trusted fixture) with the standard library as a second
    reader."""
    return ET.fromstring(data)  # noqa: S314 - our own output, built from fixtures in this file


def both_paths(data: bytes) -> Unbaked | None:
    """Unbake through the public entry (fast path when it applies) and through one full parse;
    both must agree."""
    public = unbake(data)
    assert unbake_svg(data) == public
    return public


@pytest.mark.parametrize("name", sorted(payloads()))
def test_round_trip_every_kind(name: str) -> None:
    """``unbake(bake(svg, p)).payload == p`` for every kind, in the spec's element."""
    payload = payloads()[name]
    found = unbake(bake(svg_image(), payload))
    assert found is not None
    assert (found.payload, found.kind, found.container) == (payload, PayloadKind(name), "svg")
    ob3 = name in OB3_KINDS
    assert found.keyword == ("openbadges:credential" if ob3 else "openbadges:assertion")


@pytest.mark.parametrize(
    ("name", "verify", "has_body"),
    [
        ("assertion-json", HOSTED_ASSERTION["id"], True),
        ("credential-json", None, True),
        ("url", "payload", False),
        ("jws", "payload", False),
        ("vc-jwt", "payload", False),
    ],
)
def test_baked_element_follows_the_spec(name: str, verify: str | None, has_body: bool) -> None:
    """The badge element is the root's first child, namespaced, with verify and CDATA per spec."""
    payload = payloads()[name]
    baked = bake(svg_image(), payload)
    root = parse_baked(baked)
    first = root[0]
    namespace = OB3_NS if name in OB3_KINDS else OB2_NS
    local = "credential" if name in OB3_KINDS else "assertion"
    assert first.tag == f"{{{namespace}}}{local}"
    assert first.get("verify") == (payload if verify == "payload" else verify)
    assert bool((first.text or "").strip()) is has_body
    assert f'xmlns:openbadges="{namespace}"'.encode() in baked.split(b">", 2)[1]
    assert root[1].tag.endswith("rect")  # the rest of the image is kept


def test_ob1_hosted_assertion_gets_its_verify_url() -> None:
    """An OB 1.x hosted assertion's ``verify.url`` becomes the verify attribute."""
    baked = bake(svg_image(), json.dumps(OB1_ASSERTION))
    assert parse_baked(baked)[0].get("verify") == OB1_ASSERTION["verify"]["url"]


def test_text_that_xml_would_alter_round_trips() -> None:
    """``]]>``, carriage returns, ``&``, quotes and non-ASCII survive baking exactly."""
    payload = json.dumps({**HOSTED_ASSERTION, "note": 'a]]>b & <c> "d" ✓'})
    payload = payload.replace(", ", ",\r\n")
    found = unbake(bake(svg_image(), payload))
    assert found is not None and found.payload == payload
    url = 'https://issuer.example/a?x=1&y="2"&z=<3>'
    found = unbake(bake(svg_image(), url))
    assert found is not None and found.payload == url


def test_rebaking_replaces_the_old_element() -> None:
    """Baking into a baked SVG leaves exactly one badge element, the new one."""
    once = bake(svg_image(), payloads()["assertion-json"])
    twice = bake(once, payloads()["vc-jwt"])
    root = parse_baked(twice)
    badges = [e for e in root.iter() if e.tag.endswith(("}assertion", "}credential"))]
    assert [e.tag for e in badges] == [f"{{{OB3_NS}}}credential"]
    found = unbake(twice)
    assert found is not None and found.payload == payloads()["vc-jwt"]


def test_baking_into_a_self_closing_root() -> None:
    """``<svg/>`` gets a body holding the badge element."""
    image = b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>'
    baked = bake(image, URL)
    assert parse_baked(baked)[0].get("verify") == URL
    found = unbake(baked)
    assert found is not None and found.payload == URL


def test_baking_when_the_root_binds_the_prefix_elsewhere() -> None:
    """If ``openbadges:`` is bound to the OB 2.0 namespace, an OB 3.0 element declares its own."""
    image = svg_image(root_attrs=f' xmlns:openbadges="{OB2_NS}"')
    baked = bake(image, payloads()["vc-jwt"])
    assert parse_baked(baked)[0].tag == f"{{{OB3_NS}}}credential"
    found = unbake(baked)
    assert found is not None and found.payload == payloads()["vc-jwt"]


def test_latin1_svg_takes_ascii_but_not_other_text() -> None:
    """A Latin-1 SVG can carry an ASCII payload; a non-ASCII one needs UTF-8."""
    image = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>caf\xe9</text></svg>'
    found = unbake(bake(image, URL))
    assert found is not None and found.payload == URL
    with pytest.raises(BakeryError) as caught:
        bake(image, payloads()["credential-json"])
    assert caught.value.code is ErrorCode.IMAGE_UNSUPPORTED


@pytest.mark.parametrize(
    "body",
    [
        f'<ob:assertion xmlns:ob="{OB2_NS}" verify="{URL}"/>',
        f'<assertion xmlns="{OB2_NS}" verify="{URL}"></assertion>',
        f'<g><g><x:assertion xmlns:x="{OB2_NS}" verify="{URL}" /></g></g>',
        f'<g xmlns:b="{OB2_NS}"><b:assertion verify="{URL}"/></g>',
        f'<g xmlns="{OB2_NS}"><assertion verify="{URL}"/></g>',
    ],
)
def test_any_prefix_or_default_namespace(body: str) -> None:
    """The element is found by namespace, wherever the namespace is declared."""
    found = both_paths(svg_image(body))
    assert found == unbake(bake(svg_image(), URL))


def test_prefix_declared_on_the_root() -> None:
    """A prefix the root declares (as the spec shows) works for any prefix name."""
    image = svg_image(
        f'<badge:credential verify="{payloads()["vc-jwt"]}"/>',
        root_attrs=f' xmlns:badge="{OB3_NS}"',
    )
    found = both_paths(image)
    assert found is not None and found.kind is PayloadKind.VC_JWT


def test_cdata_json_wins_over_verify() -> None:
    """With both a verify URL and CDATA JSON, the payload is the JSON exactly as embedded."""
    payload = json.dumps(HOSTED_ASSERTION, indent=4)
    body = f'<ob:assertion verify="{URL}">\n    <![CDATA[{payload}]]>\n  </ob:assertion>'
    found = both_paths(svg_image(body, root_attrs=f' xmlns:ob="{OB2_NS}"'))
    assert found is not None and found.payload == payload


def test_escaped_text_body_is_read() -> None:
    """JSON written as escaped text instead of CDATA is unescaped by the XML rules."""
    body = '<ob:assertion>{"type": "Assertion", "note": "a &amp; b &lt;c&gt;"}</ob:assertion>'
    found = both_paths(svg_image(body, root_attrs=f' xmlns:ob="{OB2_NS}"'))
    assert found is not None and found.payload == '{"type": "Assertion", "note": "a & b <c>"}'


def test_long_prolog_before_the_root() -> None:
    """Comments and processing instructions before ``<svg>`` are skipped."""
    prolog = '<?xml version="1.0"?>\n' + "<!-- a comment -->\n" * 50_000 + "<?pi data?>\n"
    root = f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="{OB2_NS}">'
    image = (prolog + root + f'<ob:assertion verify="{URL}"/></svg>').encode()
    found = both_paths(image)
    assert found is not None and found.payload == URL


def test_badge_late_in_a_large_image() -> None:
    """After megabytes of path data the badge element is still found, and both paths agree."""
    paths = '<path d="M0 0 L10 10 L20 5 Z" fill="#123456"/>\n' * 60_000
    image = svg_image(paths + f'<ob:assertion verify="{URL}"/>', root_attrs=f' xmlns:ob="{OB2_NS}"')
    found = both_paths(image)
    assert found is not None and found.payload == URL


def test_first_badge_element_wins() -> None:
    """Of two badge elements, the first in document order is the badge."""
    body = f'<g><ob:credential verify="{payloads()["vc-jwt"]}"/></g><ob2:assertion verify="{URL}"/>'
    attrs = f' xmlns:ob="{OB3_NS}" xmlns:ob2="{OB2_NS}"'
    found = both_paths(svg_image(body, root_attrs=attrs))
    assert found is not None and found.keyword == "openbadges:credential"


@pytest.mark.parametrize(
    "decoy",
    [
        '<!-- <ob:assertion verify="https://decoy.example"/> -->',
        '<![CDATA[ <ob:assertion verify="https://decoy.example"/> ]]>',
        '<?pi <ob:assertion verify="https://decoy.example"/> ?>',
        '<other:assertion xmlns:other="urn:other" verify="https://decoy.example"/>',
        '<assertion verify="https://decoy.example"/>',  # the default namespace is SVG here
        "<text>ob:assertion credential</text>",
    ],
)
def test_decoys_are_not_badges(decoy: str) -> None:
    """Look-alikes in comments, CDATA, PIs or other namespaces are skipped for the real one."""
    image = svg_image(
        decoy + f'\n<ob:assertion verify="{URL}"/>', root_attrs=f' xmlns:ob="{OB2_NS}"'
    )
    found = both_paths(image)
    assert found is not None and found.payload == URL


def test_rebound_prefix_is_not_a_badge() -> None:
    """A prefix the root binds to the badge namespace but a group rebinds is not a badge."""
    body = '<g xmlns:ob="urn:other"><ob:assertion verify="https://decoy.example"/></g>'
    assert both_paths(svg_image(body, root_attrs=f' xmlns:ob="{OB2_NS}"')) is None


def test_svg_without_badge() -> None:
    """A well-formed SVG without a badge element unbakes to None."""
    assert both_paths(svg_image()) is None
    assert both_paths(b'<svg xmlns="http://www.w3.org/2000/svg"/>') is None


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (
            svg_image(f'<ob:assertion xmlns:ob="{OB2_NS}">  </ob:assertion>'),
            ErrorCode.PAYLOAD_MALFORMED,
        ),
        (
            svg_image(f'<ob:assertion xmlns:ob="{OB2_NS}" verify="not a payload"/>'),
            ErrorCode.PAYLOAD_MALFORMED,
        ),
        (
            svg_image(f'<ob:assertion xmlns:ob="{OB2_NS}">{{"broken": </ob:assertion>'),
            ErrorCode.JSON_MALFORMED,
        ),
        (b"<?xml version='1.0'?><rss><channel/></rss>", ErrorCode.IMAGE_UNSUPPORTED),
        (b"<!DOCTYPE html><html><body></body></html>", ErrorCode.IMAGE_UNSUPPORTED),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', ErrorCode.IMAGE_MALFORMED),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect', ErrorCode.IMAGE_MALFORMED),
        (b'<svg xmlns="http://www.w3.org/2000/svg">&nbsp;</svg>', ErrorCode.IMAGE_MALFORMED),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><undeclared:x/></svg>',
            ErrorCode.IMAGE_MALFORMED,
        ),
        # A badge-like tag inside an attribute value (not well-formed): never taken for a badge.
        (
            svg_image(
                f"<path d=\"<ob:assertion verify='{URL}'/>\"/>", root_attrs=f' xmlns:ob="{OB2_NS}"'
            ),
            ErrorCode.IMAGE_MALFORMED,
        ),
    ],
)
def test_bad_svgs_end_in_a_code(image: bytes, code: ErrorCode) -> None:
    """Damaged SVGs, other XML and unusable badge elements each end with their own code."""
    with pytest.raises(BakeryError) as caught:
        unbake(image)
    assert caught.value.code is code


@pytest.mark.parametrize(
    "image",
    [
        bake(svg_image(), URL),
        bake(svg_image('<path d="M0 0 L1 1"/>' * 1000), payloads()["credential-json"]),
        svg_image(
            '<path d="M0 0"/>' * 1000 + f'<ob:assertion verify="{URL}"/>',
            root_attrs=f' xmlns:ob="{OB2_NS}"',
        ),
        svg_image(
            "<!-- <ob:assertion/> --><g/>" + f'<ob:assertion xmlns:ob="{OB2_NS}" verify="{URL}"/>'
        ),
    ],
)
def test_common_layouts_take_the_fast_path(image: bytes) -> None:
    """Spec-shaped and late-badge SVGs are answered without parsing what precedes the badge."""
    root_start = sniff(image).root_start
    assert root_start is not None
    assert _fast_scan(image, root_start) == unbake_svg(image)
