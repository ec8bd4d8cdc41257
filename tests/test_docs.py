"""The documentation stays true: every error code is listed with its number."""

from __future__ import annotations

from pathlib import Path

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
