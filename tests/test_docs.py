"""The documentation stays true: every error code is listed with its number and has a sentence."""

from __future__ import annotations

from pathlib import Path

from agent.error_hints import HINTS
from agent.errors import ErrorCode

ROOT = Path(__file__).resolve().parent.parent


def test_every_error_code_is_documented() -> None:
    """docs/PROTOCOL.md lists every ErrorCode with its number and outcome."""
    text = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    missing = [
        code.name
        for code in ErrorCode
        if f"| {code.number} | `{code.name}` | {code.outcome} |" not in text
    ]
    assert missing == []


def test_error_numbers_are_unique() -> None:
    """No two codes share a number (numbers are appended, never reused)."""
    numbers = [code.number for code in ErrorCode]
    assert len(numbers) == len(set(numbers))


def test_every_code_has_exactly_one_sentence() -> None:
    """agent/error_hints.py has a sentence for every code, and none for a code that is gone."""
    assert set(HINTS) == {code.name for code in ErrorCode}
    assert all(hint.strip().endswith((".", ")")) for hint in HINTS.values())


def test_threat_model_names_tests_that_exist() -> None:
    """Every test file and test named in docs/THREAT_MODEL.md exists."""
    import re

    text = (ROOT / "docs" / "THREAT_MODEL.md").read_text(encoding="utf-8")
    missing = []
    last_file: Path | None = None
    for match in re.finditer(r"`(tests/[\w/]+(?:\.py)?)(?:::(\w+))?`|`…::(\w+)`", text):
        path, name, continued = match.groups()
        if path:
            last_file = ROOT / path
            if not last_file.exists():
                missing.append(path)
                continue
        target = name or continued
        if target and (last_file is None or f"def {target}(" not in last_file.read_text()):
            missing.append(f"{last_file}::{target}")
    assert missing == []
