"""Constants and helpers shared by the site-builder tests (a uniquely named module: several
test folders have a conftest.py, so tests must not ``import conftest``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from PIL import ExifTags, Image

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT_DIRS = [ROOT / "data"] + sorted(
    path.parent for path in (ROOT / "examples").glob("*/deployment.yaml")
)
#: "Today" of the tests: each deployment has one example round open on this day.
PRESENT = "2026-11-23"
#: SOURCE_DATE_EPOCH of the tests (2026-11-23T00:00:00Z): pins the sitemap's dates.
EPOCH = "1795392000"
FORM_URL = "https://forms.example.org"


def deployment_id(path: Path) -> str:
    return "data" if path == ROOT / "data" else path.name


@contextlib.contextmanager
def pinned_epoch() -> Iterator[None]:
    """Reproducible builds: MkDocs reads the build time from SOURCE_DATE_EPOCH."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def example_site(built_sites, name: str):
    """An example deployment's built site (built once per session)."""
    return built_sites(ROOT / "examples" / name)


def phone_jpeg(path: Path) -> Path:
    """A JPEG as a phone writes it: stored sideways, with the camera and where it was taken."""
    image = Image.effect_noise((1200, 900), 60).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 47.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (119.0, 57.0, 1.0)
    image.save(path, quality=92, exif=exif)
    with Image.open(path) as saved:
        assert saved.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture has GPS"
    return path
