"""Small PNG thumbnails of PNG badges for the popup, cached on disk by the image's SHA-256.

Rules:
- Only PNG is decoded. SVG gets None: the popup shows it as is in an ``<img>``, which runs no
  script. An image over ``MAX_SOURCE_PIXELS`` gets None (a placeholder), checked from the header
  before any pixel is decoded; Pillow's own ``MAX_IMAGE_PIXELS`` guard stays in force behind it.
- Damaged images raise ``BakeryError(IMAGE_MALFORMED)``; Pillow's exceptions never escape.
- The cache is only a cache: written atomically but not fsynced, and a broken entry is rebuilt.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from agent.errors import BakeryError, ErrorCode
from agent.library.files import PNG, write_atomically
from agent.paths import ensure_private_dir

DEFAULT_SIZE = 96
MIN_SIZE, MAX_SIZE = 16, 512
MAX_SOURCE_PIXELS = 2048 * 2048  # ≈ 16 MB decoded as RGBA; badges are far smaller
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_size(size: int) -> None:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise BakeryError(
            ErrorCode.IMAGE_UNSUPPORTED,
            f"A thumbnail is {MIN_SIZE} to {MAX_SIZE} pixels wide, not {size}.",
        )


def thumbnail_png(data: bytes, size: int = DEFAULT_SIZE) -> bytes | None:
    """A PNG at most ``size`` pixels on each side, or None for SVG and for very large images."""
    _check_size(size)
    if not data.startswith(_PNG_SIGNATURE):
        return None
    try:
        # Image.open reads the header only (and applies Pillow's own bomb guard); no pixel is
        # decoded before the size check.
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if width <= 0 or height <= 0 or width * height > MAX_SOURCE_PIXELS:
                return None
            picture = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image
            picture.thumbnail((size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            picture.save(out, format="PNG")
            return out.getvalue()
    except Image.DecompressionBombError:
        return None
    # Pillow reports damaged input with many exception types (OSError, ValueError, SyntaxError,
    # EOFError, struct.error, zlib.error …); all mean the same thing to the earner.
    except Exception as exc:
        raise BakeryError(
            ErrorCode.IMAGE_MALFORMED,
            "The badge image is damaged and cannot be shown. Download the badge again from the "
            "issuer's e-mail or page.",
        ) from exc


class ThumbnailCache:
    """Thumbnails in ``folder`` (``Paths.cache / "thumbs"``) named ``<sha256>-<size>.png``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(
        self, sha256: str, media_type: str, load: Callable[[], bytes], size: int = DEFAULT_SIZE
    ) -> bytes | None:
        """The cached thumbnail, made from ``load()`` on a miss; None for SVG and large images."""
        _check_size(size)
        if media_type != PNG:
            return None
        path = self.folder / f"{sha256}-{size}.png"
        with contextlib.suppress(OSError):
            cached = path.read_bytes()
            if cached.startswith(_PNG_SIGNATURE):
                return cached
        thumb = thumbnail_png(load(), size)
        if thumb is not None:
            with contextlib.suppress(OSError):
                ensure_private_dir(self.folder)
                write_atomically(path, thumb, durable=False)
        return thumb

    def discard(self, sha256: str) -> None:
        """Remove every cached size of one image (its badge file is gone)."""
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                if entry.name.startswith(sha256 + "-"):
                    os.unlink(entry.path)
