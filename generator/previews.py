"""Social previews: a 1200x630 PNG per badge (and for the issuer), for `og:image`.

LinkedIn, Facebook and X show no SVG in link previews, and all three show a link's image in a
wide frame (1.91:1; X's large card 2:1), cropping a square image at its top and bottom. So each
preview is the image whole, centred on the theme's background in a 1200x630 canvas, the size
Facebook and LinkedIn recommend: above every network's minimum (Facebook 200x200, X 300x157
for a large card), within every maximum (X 4096x4096 and 5 MB), and the same shape for every
badge. SVG is drawn by resvg (`resvg-py`, a wheel with no system library), only from bytes that
pass the loader's check of badge SVGs; PNG is scaled by Pillow. Pure bytes in, bytes out: the
same image gives the same PNG, build after build.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

from generator.images import check_png, check_svg

WIDTH, HEIGHT = 1200, 630
# The badge's box: room on every side, so that X's 2:1 crop (1200x600) keeps it whole.
BOX = 480
DEFAULT_BACKGROUND = "#ffffff"
# Where an SVG may draw text (<text>, and fonts named in CSS or attributes).
_TEXT = re.compile(rb"<(?:[A-Za-z_][-.\w]*:)?text[\s>/]|font", re.IGNORECASE)
_BACKGROUND = re.compile(r"--bg\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*[;}]")


class PreviewError(ValueError):
    """The image cannot be made into a preview (it failed the checks a badge image passes)."""


@cache
def renderer_version() -> str:
    """What the previews' bytes depend on besides the image: part of their cache key."""
    import PIL
    import resvg_py

    return f"resvg-py {resvg_py.__version__}, Pillow {PIL.__version__}, {WIDTH}x{HEIGHT}/{BOX}"


def theme_background(stylesheet: Path | None) -> str:
    """The theme's page background (`--bg`, light scheme: the first one in its stylesheet)."""
    if stylesheet is None:
        return DEFAULT_BACKGROUND
    try:
        found = _BACKGROUND.search(stylesheet.read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return DEFAULT_BACKGROUND
    return found.group(1).lower() if found else DEFAULT_BACKGROUND


def preview_png(data: bytes, kind: str, background: str = DEFAULT_BACKGROUND) -> bytes:
    """The 1200x630 PNG preview of a badge image (`kind` "svg" or "png")."""
    from PIL import Image

    # The same checks the loader made: never render anything they would refuse.
    problems = check_svg(data) if kind == "svg" else check_png(data)
    if problems:
        raise PreviewError("; ".join(problems))
    if kind == "svg":
        import resvg_py

        try:
            # width and height together: fitted into the box, its aspect ratio kept. Loading
            # the system's fonts costs more than drawing a badge: only for an SVG with text.
            raster = resvg_py.svg_to_bytes(
                svg_string=data.decode("utf-8-sig"),  # the loader accepts UTF-8 only
                width=BOX,
                height=BOX,
                skip_system_fonts=not _TEXT.search(data),
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise PreviewError(f"cannot be drawn ({exc})") from None
        image = Image.open(io.BytesIO(bytes(raster)))
    else:
        image = Image.open(io.BytesIO(data))
    with image:
        badge = image.convert("RGBA")
    if max(badge.size) != BOX:
        scale = BOX / max(badge.size)
        size = (max(1, round(badge.width * scale)), max(1, round(badge.height * scale)))
        badge = badge.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), background)
    canvas.paste(badge, ((WIDTH - badge.width) // 2, (HEIGHT - badge.height) // 2), badge)
    out = io.BytesIO()
    # No text chunks, no time: the bytes depend on the pixels only.
    # Level 3: about two thirds of the default level's time on these flat canvases, 8 KB more.
    canvas.save(out, format="PNG", compress_level=3)
    return out.getvalue()
