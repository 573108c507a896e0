"""Photos reach the site only as processed files: upright, without EXIF (a phone's GPS
position), as a page image and a thumbnail in WebP and JPEG (pingan.photos)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import ExifTags, Image
from site_helpers import phone_jpeg

from site_builder.commands import BuildFailed


@pytest.fixture
def wujin_with_photos(copy_of_wujin: Path) -> Path:
    """data/ with a phone photo of zhang-demo and the same photo in a story."""
    (copy_of_wujin / "photos").mkdir()
    phone_jpeg(copy_of_wujin / "photos" / "zhang.jpg")
    honours = copy_of_wujin / "honours.yaml"
    text = honours.read_text(encoding="utf-8")
    text = text.replace("    unit: hutang\n", "    unit: hutang\n    photo: zhang.jpg\n", 1)
    text = text.replace(
        "    volunteers: [zhang-demo]\n", "    volunteers: [zhang-demo]\n    photos: [zhang.jpg]\n"
    )
    honours.write_text(text, encoding="utf-8")
    return copy_of_wujin


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def published(site: Path, page_path: str, url: str) -> Path:
    """The file a page's relative *url* names."""
    target = ((site / page_path).parent / url).resolve()
    assert target.is_file(), url
    return target


def test_the_original_photo_and_its_gps_never_reach_the_site(wujin_with_photos, build_site):
    original = (wujin_with_photos / "photos" / "zhang.jpg").read_bytes()
    site = build_site(wujin_with_photos)

    files = [path for path in site.rglob("*") if path.is_file()]
    digest = hashlib.sha256(original).digest()
    assert not [p for p in files if hashlib.sha256(p.read_bytes()).digest() == digest]
    assert not [p for p in files if p.name == "zhang.jpg"]
    photos = sorted((site / "people" / "photos").iterdir())
    assert {p.suffix for p in photos} == {".webp", ".jpg"} and len(photos) == 4
    for path in photos:
        assert b"PhoneCo" not in path.read_bytes()
        with Image.open(path) as image:
            assert not image.getexif(), f"{path.name} has EXIF"
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert image.height > image.width, "turned upright"


def test_pages_show_the_processed_photo_in_webp_with_a_jpeg_fallback(wujin_with_photos, build_site):
    site = build_site(wujin_with_photos)

    person = page(site, "people/zhang-demo/index.html").select_one(".pingan-profile picture")
    img = person.select_one("img.pingan-avatar--large")
    webp = published(site, "people/zhang-demo/index.html", person.source["srcset"])
    jpeg = published(site, "people/zhang-demo/index.html", img["src"])
    assert person.source["type"] == "image/webp" and webp.suffix == ".webp"
    assert jpeg.suffix == ".jpg" and img["alt"] == "张示例的照片"
    with Image.open(jpeg) as image:
        assert (int(img["width"]), int(img["height"])) == image.size
        assert 400 < max(image.size) <= 1600, "the page image, not the thumbnail"

    card = page(site, "honours/index.html").select_one('article[data-person="zhang-demo"]')
    assert card.select_one(".pingan-avatar--initial") is None
    thumbnail = published(site, "honours/index.html", card.select_one("picture img")["src"])
    with Image.open(thumbnail) as image:
        assert max(image.size) == 400
    published(site, "honours/index.html", card.select_one("picture source")["srcset"])

    story = page(site, "story/patrol-six-years/index.html").select_one(".pingan-story-photos")
    assert published(site, "story/patrol-six-years/index.html", story.img["src"]) == jpeg
    assert story.img["alt"] == "六年巡逻路：照片 1"


def test_a_rebuild_takes_the_photos_from_the_cache(wujin_with_photos, build_site, tmp_path):
    cache = tmp_path / "photo-cache"
    build_site(wujin_with_photos, plugin_options={"cache_dir": str(cache)})
    made = {path: path.stat().st_mtime_ns for path in cache.rglob("*") if path.is_file()}
    # Photos are kept by hash in two-character folders (posters and others beside them).
    photos = [path for path in made if len(path.relative_to(cache).parts[0]) == 2]
    assert len(photos) == 5, "four images and their manifest"

    build_site(wujin_with_photos, plugin_options={"cache_dir": str(cache)})

    assert {path: path.stat().st_mtime_ns for path in cache.rglob("*") if path.is_file()} == made
    assert not (wujin_with_photos / ".pingan-cache").exists()


def test_a_photo_that_cannot_be_decoded_stops_the_build_naming_it(wujin_with_photos, build_site):
    photo = wujin_with_photos / "photos" / "zhang.jpg"
    photo.write_bytes(photo.read_bytes()[:3000])

    with pytest.raises(BuildFailed, match="photos/zhang.jpg 已损坏"):
        build_site(wujin_with_photos)
