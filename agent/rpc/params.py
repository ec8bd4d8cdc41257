"""Typed reading of a method's named parameters; every refusal is a ``-32602`` error.

Rules:
- The keys a method accepts are declared with the method; :func:`check_keys` refuses any other
  before the handler runs, so a typo never passes silently.
- A getter returns exactly the type it names: ``True`` is not an integer here, ``1`` is not a
  boolean, and a string is never trimmed into validity.
- Every value is bounded (characters, bytes, range) so no input can make a handler use
  unbounded memory or time.
- Messages name the method and the parameter and say what is expected.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from agent.rpc.protocol import INVALID_PARAMS, ProtocolError

T = TypeVar("T", bound=str)

MAX_TEXT_CHARS = 8192
MAX_CHOICES = 32


def invalid_params(method: str, name: str, expected: str) -> ProtocolError:
    """The error for one parameter: ``badge.list: 'limit' must be …``."""
    return ProtocolError(INVALID_PARAMS, f"{method}: {name!r} {expected}.", param=name)


def check_keys(
    method: str, raw: Mapping[str, Any], allowed: Collection[str], where: str = ""
) -> None:
    """Refuse keys the method does not take (``where`` prefixes a nested object's keys)."""
    unknown = sorted(key for key in raw if key not in allowed)
    if unknown:
        name = where + unknown[0][:60]
        known = ", ".join(sorted(allowed)) or "none"
        raise invalid_params(method, name, f"is not a parameter (it takes: {known})")


class Params:
    """The named parameters of one call, read once with types."""

    def __init__(self, method: str, raw: Mapping[str, Any] | None, prefix: str = "") -> None:
        self.method = method
        self._raw: Mapping[str, Any] = raw or {}
        self._prefix = prefix

    def __contains__(self, name: str) -> bool:
        return self._raw.get(name) is not None

    def _value(self, name: str, required: bool) -> Any:
        value = self._raw.get(name)
        if value is None and required:
            raise self.invalid(name, "is required")
        return value

    def invalid(self, name: str, expected: str) -> ProtocolError:
        return invalid_params(self.method, self._prefix + name, expected)

    def text(self, name: str, *, max_chars: int = MAX_TEXT_CHARS, min_chars: int = 1) -> str:
        """A required string of ``min_chars`` … ``max_chars`` characters."""
        value = self.optional_text(name, max_chars=max_chars, min_chars=min_chars)
        if value is None:
            raise self.invalid(name, "is required")
        return value

    def optional_text(
        self, name: str, *, max_chars: int = MAX_TEXT_CHARS, min_chars: int = 1
    ) -> str | None:
        value = self._value(name, required=False)
        if value is None:
            return None
        if not isinstance(value, str) or not min_chars <= len(value) <= max_chars:
            raise self.invalid(name, f"must be a string of {min_chars} to {max_chars} characters")
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, default: int | None = None) -> int:
        """An integer in ``minimum … maximum``; ``default`` when absent (required without one)."""
        value = self._value(name, required=default is None)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.invalid(name, f"must be an integer from {minimum} to {maximum}")
        return value

    def optional_integer(self, name: str, *, minimum: int, maximum: int) -> int | None:
        if name not in self:
            return None
        return self.integer(name, minimum=minimum, maximum=maximum)

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self._value(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.invalid(name, "must be true or false")
        return value

    def choice(self, name: str, choices: Collection[T], *, default: T) -> T:
        value = self._value(name, required=False)
        if value is None:
            return default
        for choice in choices:
            if value == choice:
                return choice
        raise self.invalid(name, f"must be one of {', '.join(sorted(choices))}")

    def choices(self, name: str, choices: Collection[T]) -> list[T] | None:
        """One choice or a list of them (no repeats kept); None when absent."""
        value = self._value(name, required=False)
        if value is None:
            return None
        items = value if isinstance(value, list) else [value]
        expected = f"must be one of {', '.join(sorted(choices))}, or a list of them"
        picked: list[T] = []
        if len(items) > MAX_CHOICES:
            raise self.invalid(name, expected)
        for item in items:
            match = next((choice for choice in choices if item == choice), None)
            if match is None or not isinstance(item, str):
                raise self.invalid(name, expected)
            if match not in picked:
                picked.append(match)
        return picked

    def binary(self, name: str, *, max_bytes: int) -> bytes:
        """Required base64 (standard alphabet, padded) decoding to at most ``max_bytes``."""
        value = self._value(name, required=True)
        # Checked on the encoded length first, so an over-size value is never decoded.
        if not isinstance(value, str) or len(value) > (max_bytes + 2) // 3 * 4:
            raise self.invalid(name, f"must be base64 of at most {max_bytes} bytes")
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self.invalid(name, "must be base64 (standard alphabet, with padding)") from exc
        if not data:
            raise self.invalid(name, "must not be empty")
        return data

    def record(self, name: str, allowed: Collection[str]) -> Params | None:
        """A nested object with the given keys, read with the same getters; None when absent."""
        value = self._value(name, required=False)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.invalid(name, "must be an object")
        prefix = f"{self._prefix}{name}."
        check_keys(self.method, value, allowed, where=prefix)
        return Params(self.method, value, prefix)

    def names(self) -> list[str]:
        """Every key given, null values included."""
        return list(self._raw)

    def raw(self, name: str) -> Any:
        """The value as sent, for validators that know its shape (preferences)."""
        return self._raw.get(name)


def encode_binary(data: bytes) -> str:
    """Bytes as the wire carries them: standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def encoded_length(size: int) -> int:
    """The length of ``size`` bytes once base64-encoded."""
    return (size + 2) // 3 * 4
