"""``badgekeeper verify`` end to end: the real CLI against a real issuer on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from agent.sandbox.issuer_app import IssuerServer
from tests.cli.conftest import host_of, run_cli, write_all

EARNER = "earner@example.org"


async def test_every_kind_of_valid_badge_verifies(issuer: IssuerServer, tmp_path: Path) -> None:
    """OB 2.0 hosted (PNG, SVG), OB 2.0 signed, OB 3.0 VC-JWT and Data Integrity are valid."""
    i = issuer.issuer
    badges = [
        i.issue_ob2_hosted(EARNER),
        i.issue_ob2_hosted(EARNER, "research", svg=True),
        i.issue_ob2_signed(EARNER),
        i.issue_ob3_jwt(EARNER),
        i.issue_ob3_data_integrity(EARNER, svg=True),
        i.issue_ob3_data_integrity(EARNER, svg=False),
    ]
    files = write_all(tmp_path, [(f"b{n}.{b.extension}", b.image) for n, b in enumerate(badges)])
    result = await run_cli("verify", "--json", "--email", EARNER, *files, allow=host_of(issuer))
    lines = result.json_lines()
    assert [line["source"] for line in lines] == files
    assert [line["status"] for line in lines] == ["valid"] * 6, result.stdout
    assert [line["spec"] for line in lines] == ["ob2", "ob2", "ob2", "ob3", "ob3", "ob3"]
    for line, badge in zip(lines, badges, strict=True):
        assert line["errors"] == []
        assert line["recipient"]["checked"] is True
        assert line["recipient"]["matched"] is True
        assert line["badge"]["name"] == badge.label
        assert line["badge"]["id"] == badge.assertion_id
        assert line["badge"]["issuer"]["name"] == "Badgekeeper Sandbox Academy"
        assert line["badge"]["issued_on"]
    assert result.returncode == 0


async def test_negative_verdicts_carry_codes(issuer: IssuerServer, tmp_path: Path) -> None:
    """Revoked (410, flag, list, status list), expired and wrong-recipient badges say why."""
    i = issuer.issuer
    past = datetime.now(timezone.utc) - timedelta(days=30)
    cases = [
        (i.issue_ob2_hosted(EARNER, revocation="gone"), "revoked", "REVOKED"),
        (i.issue_ob2_hosted(EARNER, revocation="flag"), "revoked", "REVOKED"),
        (i.issue_ob2_signed(EARNER, revoked=True), "revoked", "REVOKED"),
        (i.issue_ob3_jwt(EARNER, revoked=True), "revoked", "REVOKED"),
        (
            i.issue_ob2_hosted(EARNER, issued=past - timedelta(days=90), expires=past),
            "expired",
            "EXPIRED",
        ),
        (i.issue_ob3_data_integrity(EARNER, valid_until=past), "expired", "EXPIRED"),
        (i.issue_ob2_hosted("other@example.org"), "invalid", "RECIPIENT_MISMATCH"),
    ]
    files = write_all(
        tmp_path, [(f"c{n}.{b.extension}", b.image) for n, (b, _, _) in enumerate(cases)]
    )
    result = await run_cli("verify", "--json", "--email", EARNER, *files, allow=host_of(issuer))
    lines = result.json_lines()
    for line, (_, status, code) in zip(lines, cases, strict=True):
        assert line["status"] == status, line
        assert code in [error["code"] for error in line["errors"]], line
        assert all(error["message"] for error in line["errors"])
    assert result.returncode == 1


async def test_recipient_not_checked_without_addresses(
    issuer: IssuerServer, tmp_path: Path
) -> None:
    """With no --email and no configured address, the recipient is reported as not checked."""
    badge = issuer.issuer.issue_ob2_hosted(EARNER)
    (path,) = write_all(tmp_path, [("b.png", badge.image)])
    result = await run_cli("verify", "--json", path, allow=host_of(issuer))
    (line,) = result.json_lines()
    assert line["status"] == "valid"
    assert line["recipient"] == {**line["recipient"], "checked": False, "matched": None}


async def test_loopback_issuer_refused_without_allow_list(
    issuer: IssuerServer, tmp_path: Path
) -> None:
    """Without BADGEKEEPER_ALLOW_HOSTS the loopback issuer is never contacted."""
    badge = issuer.issuer.issue_ob2_hosted(EARNER)
    (path,) = write_all(tmp_path, [("b.png", badge.image)])
    result = await run_cli("verify", "--json", path)
    (line,) = result.json_lines()
    assert line["status"] == "error"
    assert [e["code"] for e in line["errors"]] == ["ADDRESS_REFUSED"]
    assert issuer.total_hits == 0
    assert result.returncode == 1


async def test_allow_list_names_host_exactly(issuer: IssuerServer, tmp_path: Path) -> None:
    """Allowing 'localhost' does not open 127.0.0.1."""
    badge = issuer.issuer.issue_ob2_hosted(EARNER)
    (path,) = write_all(tmp_path, [("b.png", badge.image)])
    result = await run_cli("verify", "--json", path, allow="localhost")
    assert result.json_lines()[0]["errors"][0]["code"] == "ADDRESS_REFUSED"
    assert issuer.total_hits == 0


async def test_hosted_url_source(issuer: IssuerServer) -> None:
    """An http URL of a hosted assertion is a source."""
    badge = issuer.issuer.issue_ob2_hosted(EARNER)
    result = await run_cli(
        "verify", "--json", "--email", EARNER, badge.assertion_id, allow=host_of(issuer)
    )
    (line,) = result.json_lines()
    assert line["source"] == badge.assertion_id
    assert line["status"] == "valid"


async def test_server_faults_are_errors(issuer: IssuerServer) -> None:
    """A 500, an HTML page, a 404 and a hanging server each end in a typed error, quickly."""
    base = issuer.base_url
    sources = [
        f"{base}/faults/500",
        f"{base}/faults/html",
        f"{base}/nowhere",
        f"{base}/faults/hang",
    ]
    result = await run_cli("verify", "--json", "--timeout", "1", *sources, allow=host_of(issuer))
    codes = [line["errors"][0]["code"] for line in result.json_lines()]
    assert codes == ["HTTP_ERROR", "HTML_NOT_JSON", "HTTP_NOT_FOUND", "FETCH_TIMEOUT"]
    assert {line["status"] for line in result.json_lines()} == {"error"}


async def test_assertion_ids_with_other_schemes_refused(tmp_path: Path) -> None:
    """A hosted assertion whose id is file:, gopher: or data: is invalid, never fetched."""
    sources = []
    for n, target in enumerate(["file:///etc/passwd", "gopher://127.0.0.1:70/", "data:,{}"]):
        assertion = {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": target,
            "recipient": {"type": "email", "hashed": False, "identity": EARNER},
            "badge": "https://issuer.example/badge",
            "issuedOn": "2024-01-01T00:00:00Z",
            "verification": {"type": "hosted"},
        }
        path = tmp_path / f"a{n}.json"
        path.write_text(json.dumps(assertion))
        sources.append(str(path))
    result = await run_cli("verify", "--json", *sources)
    for line in result.json_lines():
        assert line["status"] == "invalid"
        assert line["errors"][0]["code"] == "INVALID_PROPERTY"
        assert "must be the http(s) address" in line["errors"][0]["message"]


async def test_hostile_files_end_in_typed_errors(tmp_path: Path) -> None:
    """Empty, random, deeply nested, huge JSON, a JPEG and a missing file: a code each."""
    from io import BytesIO

    from PIL import Image

    jpeg = BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    files = write_all(
        tmp_path,
        [
            ("empty.png", b""),
            ("random.bin", bytes(range(256)) * 40),
            ("deep.json", b"[" * 100_000 + b"]" * 100_000),
            ("huge.json", b'{"a": "' + b"x" * 50_000_000 + b'"}'),
            ("photo.png", jpeg.getvalue()),
        ],
    )
    files.append(str(tmp_path / "missing.png"))
    result = await run_cli("verify", "--json", *files)
    codes = [line["errors"][0]["code"] for line in result.json_lines()]
    assert codes == [
        "NO_BADGE_DATA",
        "IMAGE_UNSUPPORTED",
        "JSON_MALFORMED",
        "PAYLOAD_TOO_LARGE",
        "IMAGE_UNSUPPORTED",
        "SOURCE_UNREADABLE",
    ]
    assert "Traceback" not in result.stderr
    assert result.returncode == 1


async def test_human_report_lists_checks_and_advice(issuer: IssuerServer, tmp_path: Path) -> None:
    """The human report names the badge, each check, and what to do about a failure."""
    ok = issuer.issuer.issue_ob2_hosted(EARNER)
    bad = issuer.issuer.issue_ob2_hosted("other@example.org")
    files = write_all(tmp_path, [("ok.png", ok.image), ("bad.png", bad.image)])
    result = await run_cli("verify", "--email", EARNER, *files, allow=host_of(issuer))
    assert "✓ VALID" in result.stdout and "✗ INVALID" in result.stdout
    assert "Teamwork" in result.stdout and "Badgekeeper Sandbox Academy" in result.stdout
    assert "[RECIPIENT_MISMATCH]" in result.stdout
    assert "1 of 2 badges valid." in result.stdout


async def test_usage_errors_exit_2() -> None:
    """No source, or a bad --timeout, is a usage error (exit 2)."""
    assert (await run_cli("verify")).returncode == 2
    assert (await run_cli("verify", "--timeout", "soon", "x.png")).returncode == 2


async def test_requests_are_shared_across_a_batch(issuer: IssuerServer, tmp_path: Path) -> None:
    """Twenty hosted badges of one issuer cost about one request each (shared cache)."""
    badges = [issuer.issuer.issue_ob2_hosted(EARNER) for _ in range(20)]
    files = write_all(tmp_path, [(f"b{n}.png", b.image) for n, b in enumerate(badges)])
    result = await run_cli("verify", "--json", "--email", EARNER, *files, allow=host_of(issuer))
    assert {line["status"] for line in result.json_lines()} == {"valid"}
    assert issuer.total_hits <= 24
