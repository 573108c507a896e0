"""Every page names a picture to share it with (og:image), made at build time."""

from __future__ import annotations

import datetime

from PIL import Image
from site_helpers import PRESENT, ROOT

from pingan.deployment import load_deployment
from site_builder.share_image import HEIGHT, WIDTH


def _meta(page, key: str) -> str | None:
    tag = page.find("meta", attrs={"property": key}) or page.find("meta", attrs={"name": key})
    return tag["content"] if tag else None


def test_every_page_has_a_share_image_of_the_right_size(any_site):
    site_url = _meta(any_site.page(""), "og:url")
    images = set()
    for path in any_site.html_files():
        url = path.relative_to(any_site.root).as_posix()
        page = any_site.page(url)
        if page.find("meta", attrs={"http-equiv": "refresh"}):
            continue  # a redirect page (MkDocs' own), not a page people share
        image = _meta(page, "og:image")
        assert image and image.startswith(site_url), url
        assert _meta(page, "og:image:width") == str(WIDTH)
        assert _meta(page, "og:image:height") == str(HEIGHT)
        assert _meta(page, "og:image:alt"), url
        assert _meta(page, "twitter:card") == "summary_large_image"
        images.add(image.removeprefix(site_url))
    for image in images:
        with Image.open(any_site.root / image) as picture:
            picture.verify()
        with Image.open(any_site.root / image) as picture:
            assert picture.format == "PNG" and picture.size == (WIDTH, HEIGHT)


def test_an_open_campaigns_notice_shares_its_own_picture(any_site):
    deployment = load_deployment(any_site.data_dir)
    home = _meta(any_site.page(""), "og:image")
    for campaign in deployment.campaigns.values():
        page = any_site.page(f"notices/{campaign.id}/")
        own = _meta(page, "og:image")
        if campaign.status(datetime.date.fromisoformat(PRESENT)) == "closed":
            assert own == home
        else:
            assert own != home
            assert campaign.title in _meta(page, "og:image:alt")


def test_a_rebuild_draws_no_picture_again(build_site, tmp_path):
    cache = tmp_path / "cache"
    site = build_site(
        ROOT / "examples" / "county-alliance", plugin_options={"cache_dir": str(cache)}
    )
    drawn = {path: path.stat().st_mtime_ns for path in (cache / "share").iterdir()}
    assert drawn and all(path.suffix == ".png" for path in drawn)
    build_site(ROOT / "examples" / "county-alliance", plugin_options={"cache_dir": str(cache)})
    assert {path: path.stat().st_mtime_ns for path in (cache / "share").iterdir()} == drawn
    assert (site / "assets" / "share").is_dir()
