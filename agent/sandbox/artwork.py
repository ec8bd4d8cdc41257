"""Sample badge artwork for the sandbox issuer: a small PNG drawn with Pillow, and an SVG."""

from __future__ import annotations

import io
from html import escape

from PIL import Image, ImageDraw

_PALETTE = {
    "teamwork": ((34, 102, 204), (255, 255, 255)),
    "python": ((30, 120, 80), (255, 240, 160)),
    "safety": ((200, 60, 40), (255, 255, 255)),
    "research": ((110, 60, 170), (255, 255, 255)),
}


def badge_png(slug: str, label: str, size: int = 256) -> bytes:
    """A round badge with its label's initials, as PNG bytes (not baked)."""
    background, foreground = _PALETTE.get(slug, ((90, 90, 90), (255, 255, 255)))
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = size // 16
    draw.ellipse((margin, margin, size - margin, size - margin), fill=background)
    inner = size // 6
    draw.ellipse((inner, inner, size - inner, size - inner), outline=foreground, width=size // 40)
    initials = "".join(word[0] for word in label.split()[:2]).upper() or "B"
    draw.text((size // 2, size // 2), initials, fill=foreground, anchor="mm", font_size=size // 4)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def badge_svg(slug: str, label: str) -> bytes:
    """The same badge as a plain SVG (no scripts, no external references)."""
    background, foreground = _PALETTE.get(slug, ((90, 90, 90), (255, 255, 255)))
    initials = escape("".join(word[0] for word in label.split()[:2]).upper() or "B")
    fill = "#{:02x}{:02x}{:02x}".format(*background)
    ink = "#{:02x}{:02x}{:02x}".format(*foreground)
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">\n'
        f"  <title>{escape(label)}</title>\n"
        f'  <circle cx="128" cy="128" r="112" fill="{fill}"/>\n'
        f'  <circle cx="128" cy="128" r="86" fill="none" stroke="{ink}" stroke-width="6"/>\n'
        f'  <text x="128" y="148" font-size="64" text-anchor="middle" fill="{ink}" '
        f'font-family="sans-serif">{initials}</text>\n'
        "</svg>\n"
    )
    return svg.encode("utf-8")
