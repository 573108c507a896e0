"""The picture a link to the site shows when shared (og:image): 1200 × 630 PNG, made at build.

One image per deployment — its name on its own colour, the text colour on it, an accent
band below — and one per campaign notice (the campaign's title above the deployment's
name). They are drawn with Pillow in the CJK font the PDFs use (Debian's fonts-noto-cjk,
found with fc-match) and kept in the build's cache by what they show, so a rebuild draws
only what changed. Without a CJK font no image is made (a warning says so): a picture of
empty boxes is worse than none, and the site still builds.
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pingan.markup import join_cjk_lines

from .identity import identity_colours
from .pages import GeneratedAsset, Site, SitePlan, notice_uri

log = logging.getLogger("mkdocs.plugins.pingan")

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
#: Bump when the drawing changes: cached images of the old drawing are not reused.
DRAWING = "1"
#: The font fontconfig gives for these first; then Debian's own path of it.
FONT_PATTERN = "Noto Sans CJK SC:bold"
FALLBACK_FONT = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 2)


@dataclass(frozen=True)
class ShareImage:
    """A made image: the file in the cache, and the text that describes it (og:image:alt)."""

    path: Path
    alt: str


@cache
def cjk_font() -> tuple[Path, int] | None:
    """The CJK font's file and face index (a .ttc holds several faces), or None."""
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}\t%{lang}", FONT_PATTERN],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split("\t")
        if len(found) == 3 and "zh-cn" in found[2] and Path(found[0]).is_file():
            return Path(found[0]), int(found[1] or 0)
    path, index = FALLBACK_FONT
    return (path, index) if path.is_file() else None


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int, most: int) -> list[str]:
    """*text* broken into lines no wider than *width* (CJK breaks anywhere), at most *most*
    of them, the last ending in an ellipsis when it had to be cut."""
    lines, line = [], ""
    for character in text:
        if draw.textlength(line + character, font=font) > width and line:
            lines.append(line)
            line = character.lstrip()
        else:
            line += character
    if line:
        lines.append(line)
    if len(lines) > most:
        last = lines[most - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = lines[: most - 1] + [last + "…"]
    return lines


def draw_share_image(
    title: str, subtitle: str, colours: tuple[str, str, str], font: tuple[Path, int]
) -> bytes:
    """The PNG: *title* large, *subtitle* below it, in the text colour on the primary,
    over a band of the accent colour."""
    primary, accent, text = colours
    image = Image.new("RGB", (WIDTH, HEIGHT), primary)
    draw = ImageDraw.Draw(image)
    band = 36
    draw.rectangle((0, HEIGHT - band, WIDTH, HEIGHT), fill=accent)
    path, index = font
    size = 84 if len(title) <= 24 else 68
    big = ImageFont.truetype(str(path), size, index=index)
    small = ImageFont.truetype(str(path), 44, index=index)
    usable = WIDTH - 2 * MARGIN
    lines = _lines(draw, title, big, usable, 3)
    below = _lines(draw, subtitle, small, usable, 2) if subtitle else []
    height = len(lines) * int(size * 1.3) + (len(below) * 60 + 30 if below else 0)
    y = max(MARGIN // 2, (HEIGHT - band - height) // 2)
    for line in lines:
        draw.text((MARGIN, y), line, font=big, fill=text)
        y += int(size * 1.3)
    if below:
        y += 30
        for line in below:
            draw.text((MARGIN, y), line, font=small, fill=text)
            y += 60
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class ShareImages:
    """Share images kept in *folder* by what they show: the same words in the same colours
    and font are the same file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, title: str, subtitle: str, colours: tuple[str, str, str]) -> ShareImage | None:
        font = cjk_font()
        if font is None:
            log.warning("没有找到中文字体（fonts-noto-cjk），网站页面不带分享图片")
            return None
        key = "\n".join([DRAWING, title, subtitle, *colours, str(font[0]), str(font[1])])
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        path = self.folder / f"share-{digest}.png"
        if not path.is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_bytes(draw_share_image(title, subtitle, colours, font))
            partial.replace(path)
        alt = f"{title}：{subtitle}" if subtitle else title
        return ShareImage(path, alt)


def add_share_images(site: Site, plan: SitePlan, extra: dict, folder: Path) -> None:
    """Publish the deployment's share image, and one per open or upcoming campaign (the
    notices people pass on; a closed one shares the deployment's), and tell the theme
    (``extra.pingan.share``, read by theme/main.html) which page shows which."""
    deployment = site.deployment
    images = ShareImages(folder)
    colours = identity_colours(deployment.settings)
    description = " ".join(join_cjk_lines(deployment.settings.get("description") or "").split())
    main = images.get(deployment.name, description, colours)
    if main is None:
        return
    pages: dict[str, dict[str, str]] = {}
    for campaign in deployment.campaigns.values():
        if campaign.status(site.day) == "closed":
            continue
        image = images.get(campaign.title, deployment.name, colours)
        if image is not None:
            pages[site.url(notice_uri(campaign.id))] = _publish(plan, image)
    extra["share"] = {**_publish(plan, main), "width": WIDTH, "height": HEIGHT, "pages": pages}


def _publish(plan: SitePlan, image: ShareImage) -> dict[str, str]:
    uri = f"assets/share/{image.path.name}"
    if all(asset.src_uri != uri for asset in plan.assets):
        plan.assets.append(GeneratedAsset(uri, abs_src_path=str(image.path)))
    return {"image": uri, "alt": image.alt}
