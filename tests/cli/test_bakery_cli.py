"""``badgekeeper unbake`` and ``bake`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from agent.sandbox.artwork import badge_png, badge_svg
from tests.cli.conftest import run_cli

ASSERTION = json.dumps(
    {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/assertions/1",
        "verification": {"type": "hosted"},
    },
    indent=1,
)


async def test_bake_then_unbake_prints_payload_exactly(tmp_path: Path) -> None:
    """A payload baked into PNG and SVG is printed back byte for byte."""
    for name, image in (
        ("b.png", badge_png("teamwork", "Teamwork")),
        ("b.svg", badge_svg("teamwork", "Teamwork")),
    ):
        source = tmp_path / f"plain-{name}"
        source.write_bytes(image)
        payload_file = tmp_path / "payload.json"
        payload_file.write_text(ASSERTION)
        out = tmp_path / name
        baked = await run_cli("bake", str(source), "--payload", f"@{payload_file}", "-o", str(out))
        assert baked.returncode == 0, baked.stderr
        result = await run_cli("unbake", str(out))
        assert result.returncode == 0
        assert result.stdout == ASSERTION


async def test_unbake_without_badge_data_exits_1(tmp_path: Path) -> None:
    """An image with no badge data: exit 1 and a sentence that says so."""
    plain = tmp_path / "plain.png"
    plain.write_bytes(badge_png("teamwork", "Teamwork"))
    result = await run_cli("unbake", str(plain))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "carries no Open Badges data" in result.stderr


async def test_unbake_damaged_image_exits_1_without_traceback(tmp_path: Path) -> None:
    """A truncated PNG is reported with its code, never a traceback."""
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(badge_png("teamwork", "Teamwork")[:100])
    result = await run_cli("unbake", str(damaged))
    assert result.returncode == 1
    assert "IMAGE_MALFORMED" in result.stderr
    assert "Traceback" not in result.stderr


async def test_bake_ob3_flag(tmp_path: Path) -> None:
    """--ob3 bakes the payload as an Open Badges 3.0 credential."""
    source = tmp_path / "plain.png"
    source.write_bytes(badge_png("safety", "Lab Safety"))
    out = tmp_path / "ob3.png"
    payload = '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}'
    result = await run_cli("bake", str(source), "--payload", payload, "--ob3", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert b"openbadgecredential" in out.read_bytes()
    assert (await run_cli("unbake", str(out))).stdout == payload


async def test_version_and_help() -> None:
    """--version prints the version; every command has --help."""
    version = await run_cli("--version")
    assert version.stdout.startswith("badgekeeper ")
    for command in ("verify", "unbake", "bake", "demo"):
        assert (await run_cli(command, "--help")).returncode == 0
