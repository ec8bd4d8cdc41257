"""Draw Badgekeeper's toolbar and store icons (a medal with a check mark) at every size.

Run from the repository root: ``.venv/bin/python extension/icons/make_icons.py``. The PNGs are
committed; this script is how they were made. Each size is drawn 8x larger and scaled down, so
the edges are smooth without hand-made pixels.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 32, 48, 96, 128)
SUPERSAMPLE = 8
RIBBON_LEFT = (21, 87, 208, 255)  # the blue of the Save badge button
RIBBON_RIGHT = (11, 63, 160, 255)
MEDAL = (247, 183, 24, 255)
MEDAL_EDGE = (199, 134, 0, 255)
CHECK = (255, 255, 255, 255)
HERE = Path(__file__).resolve().parent


def draw_icon(size: int) -> Image.Image:
    """The icon at ``size`` pixels square, transparent around the medal."""
    scale = size * SUPERSAMPLE
    image = Image.new("RGBA", (scale, scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * scale, y * scale)

    # Two ribbon tails behind the medal, pointing down-left and down-right.
    draw.polygon([at(0.30, 0.50), at(0.47, 0.56), at(0.36, 0.98), at(0.26, 0.86), at(0.13, 0.89)],
                 fill=RIBBON_LEFT)  # fmt: skip
    draw.polygon([at(0.70, 0.50), at(0.53, 0.56), at(0.64, 0.98), at(0.74, 0.86), at(0.87, 0.89)],
                 fill=RIBBON_RIGHT)  # fmt: skip
    # The medal: a disc with a darker rim.
    edge = 0.055 if size >= 32 else 0.07
    draw.ellipse([at(0.14, 0.02), at(0.86, 0.74)], fill=MEDAL_EDGE)
    draw.ellipse([at(0.14 + edge, 0.02 + edge), at(0.86 - edge, 0.74 - edge)], fill=MEDAL)
    # The check mark, thicker at small sizes so it survives the scaling.
    width = int(scale * (0.11 if size <= 16 else 0.085))
    draw.line([at(0.33, 0.39), at(0.46, 0.52), at(0.68, 0.27)], fill=CHECK, width=width,
              joint="curve")  # fmt: skip
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in SIZES:
        draw_icon(size).save(HERE / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
