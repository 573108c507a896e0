"""Photos from phones: upright, without EXIF, within the size limits, made once."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageDraw
from tiny_deployment import HONOURS, edit

from pingan.deployment import check_deployment
from pingan.photos import (
    MAX_OUTPUT_BYTES,
    PAGE_SIDE,
    THUMBNAIL_SIDE,
    PhotoCache,
    PhotoError,
    inspect_photo,
    process_photo,
)

RED = (255, 0, 0)


def phone_photo(width: int, height: int, *, orientation: int = 6) -> tuple[Image.Image, Image.Exif]:
    """A noisy picture (hard to compress, like a real one) with a red top-left corner as
    stored, and EXIF with a rotation, a camera make and the place it was taken."""
    noise = Image.effect_noise((width, height), 60)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    corner = min(width, height) // 5
    ImageDraw.Draw(image).rectangle((0, 0, corner, corner), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 47.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (119.0, 57.0, 1.0)
    return image, exif


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims *width* × *height* pixels in a few bytes: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def read(path: Path) -> Image.Image:
    """The picture at *path*, read whole and the file closed, keeping its format and info."""
    with Image.open(path) as opened:
        opened.load()
        image = opened.copy()
        image.format = opened.format
    return image


def is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


@pytest.fixture(scope="module")
def phone_jpeg(tmp_path_factory) -> Path:
    """A 4,000 × 3,000 JPEG stored sideways (orientation 6: turn 90° clockwise to view)."""
    path = tmp_path_factory.mktemp("phone") / "IMG_0001.jpg"
    image, exif = phone_photo(4000, 3000)
    image.save(path, quality=95, exif=exif)
    assert read(path).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture has GPS"
    return path


def assert_clean(file, *, side: int) -> Image.Image:
    image = read(file.path)
    assert file.bytes == file.path.stat().st_size <= MAX_OUTPUT_BYTES
    assert (image.width, image.height) == (file.width, file.height)
    assert max(image.size) <= side
    assert not image.getexif(), "no EXIF at all, so no place or camera"
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(image.info)
    return image


def test_phone_jpeg_comes_out_upright_small_and_without_exif(phone_jpeg, tmp_path):
    photo = process_photo(phone_jpeg, tmp_path / "cache")
    assert not photo.reused
    for rendition, side in ((photo.page, PAGE_SIDE), (photo.thumbnail, THUMBNAIL_SIDE)):
        assert rendition.webp.media_type == "image/webp"
        assert read(rendition.webp.path).format == "WEBP"
        assert read(rendition.jpeg.path).format == "JPEG"
        for file in (rendition.webp, rendition.jpeg):
            image = assert_clean(file, side=side).convert("RGB")
            # Stored 4000 × 3000 with orientation 6: shown 3 wide by 4 high, the stored
            # top-left corner now at the top right.
            assert image.height > image.width
            assert is_red(image.getpixel((image.width - 3, 3)))
            assert not is_red(image.getpixel((3, 3)))
            assert not is_red(image.getpixel((image.width - 3, image.height - 3)))
    assert (photo.page.jpeg.width, photo.page.jpeg.height) == (1200, 1600)
    assert max(photo.thumbnail.webp.width, photo.thumbnail.webp.height) == THUMBNAIL_SIDE


def test_second_run_reuses_the_files_it_made(phone_jpeg, tmp_path):
    first = process_photo(phone_jpeg, tmp_path / "cache")
    before = {file.path: file.path.stat().st_mtime_ns for file in first.files}
    assert len(before) == 4
    second = process_photo(phone_jpeg, tmp_path / "cache")
    assert second.reused
    assert second.page == first.page and second.thumbnail == first.thumbnail
    assert {path: path.stat().st_mtime_ns for path in before} == before
    # The same picture under another name is the same content: made once.
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(phone_jpeg.read_bytes())
    assert process_photo(copy, tmp_path / "cache").reused
    # A changed picture is made again.
    edited = tmp_path / "edited.jpg"
    read(phone_jpeg).rotate(180).save(edited)
    assert not process_photo(edited, tmp_path / "cache").reused


def test_a_cache_file_gone_missing_is_made_again(phone_jpeg, tmp_path):
    first = process_photo(phone_jpeg, tmp_path / "cache")
    first.thumbnail.jpeg.path.unlink()
    again = process_photo(phone_jpeg, tmp_path / "cache")
    assert not again.reused and again.thumbnail.jpeg.path.is_file()


def test_a_cache_remembers_an_unchanged_file_without_reading_it(phone_jpeg, tmp_path):
    cache = PhotoCache(tmp_path / "cache")
    source = tmp_path / "a.jpg"
    source.write_bytes(phone_jpeg.read_bytes())
    digest = cache.get(source).digest
    source.chmod(0)  # unreadable now, but same size and time: the digest is remembered
    try:
        assert cache.get(source).digest == digest
    finally:
        source.chmod(0o644)


def test_heic_from_an_iphone_works(tmp_path):
    image, exif = phone_photo(800, 600)
    heic = tmp_path / "IMG_0002.HEIC"
    image.save(heic, format="HEIF", quality=90, exif=exif.tobytes())
    assert pillow_heif.is_supported(heic)
    photo = process_photo(heic, tmp_path / "cache")
    for file in (photo.page.webp, photo.page.jpeg, photo.thumbnail.webp, photo.thumbnail.jpeg):
        shown = assert_clean(file, side=PAGE_SIDE).convert("RGB")
        assert shown.height > shown.width
        assert is_red(shown.getpixel((shown.width - 3, 3)))
        assert not is_red(shown.getpixel((shown.width - 3, shown.height - 3)))


def test_an_incompressible_picture_still_fits_the_byte_limit(tmp_path):
    noise = [Image.effect_noise((1000, 750), 120) for _ in range(3)]
    source = tmp_path / "noise.png"
    Image.merge("RGB", noise).save(source, compress_level=1)
    photo = process_photo(source, tmp_path / "cache")
    for file in (photo.page.webp, photo.page.jpeg, photo.thumbnail.webp, photo.thumbnail.jpeg):
        assert file.path.stat().st_size <= MAX_OUTPUT_BYTES
    # Even the lowest quality was too large: the page image was made smaller to fit.
    assert photo.page.webp.width < 1000


def test_transparent_png_gets_a_white_background(tmp_path):
    source = tmp_path / "logo.png"
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(source)
    photo = process_photo(source, tmp_path / "cache")
    assert read(photo.page.jpeg.path).convert("RGB").getpixel((25, 20)) > (250, 250, 250)
    assert (photo.page.jpeg.width, photo.page.jpeg.height) == (50, 40), "never enlarged"


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "big.jpg",
            b"\xff\xd8" + b"\0" * (20 * 1024 * 1024 + 1),
            "照片文件 photos/big.jpg 有 20.0 MB，超过 20 MB 的上限",
        ),
        ("bomb.png", png_header(100_000, 100_000), "照片 photos/bomb.png 的像素数超过 50 百万像素"),
        ("wide.png", png_header(9000, 8000), "（这张有 9000×8000 像素）"),
        ("notes.jpg", "这不是照片".encode(), "无法识别照片 photos/notes.jpg 的格式"),
        ("scan.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "无法识别照片 photos/scan.gif"),
    ],
    ids=["over-20-MB", "bomb", "too-many-pixels", "not-a-picture", "gif"],
)
def test_unusable_photos_are_data_errors_naming_the_file(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(PhotoError) as raised:
        inspect_photo(source, f"photos/{name}")
    assert message in raised.value.message
    assert raised.value.file == f"photos/{name}"
    with pytest.raises(PhotoError) as made:
        process_photo(source, tmp_path / "cache", f"photos/{name}")
    assert made.value.message == raised.value.message


def test_truncated_photo_is_reported_when_it_is_made(phone_jpeg, tmp_path):
    source = tmp_path / "cut.jpg"
    source.write_bytes(phone_jpeg.read_bytes()[:5000])
    with pytest.raises(PhotoError, match="照片 cut.jpg 已损坏"):
        process_photo(source, tmp_path / "cache", "cut.jpg")


# --- pingan check -----------------------------------------------------------------------


def test_check_reports_a_bad_photo_of_a_volunteer_and_of_a_story(data_dir):
    honours = edit(HONOURS, "year: 2025}", "year: 2025, photo: zhang.heic}")
    honours = edit(honours, "[zhang], body", "[zhang], photos: [a.jpg], body")
    root = data_dir(
        honours=honours,
        **{"photos/zhang.heic": b"not a picture", "photos/a.jpg": png_header(100_000, 100_000)},
    )
    assert [str(p) for p in check_deployment(root)] == [
        "data/honours.yaml:2: volunteers[0].photo: 无法识别照片 photos/zhang.heic 的格式："
        "只接受 JPEG、PNG、WebP 和 HEIC（苹果手机照片）",
        "data/honours.yaml:6: stories[0].photos[0]: 照片 photos/a.jpg 的像素数超过 50 百万像素"
        "的上限：文件可能已损坏或被做了手脚，请换一张照片",
    ]


def test_check_accepts_a_good_photo_and_reports_a_missing_one(data_dir, phone_jpeg):
    honours = edit(HONOURS, "year: 2025}", "year: 2025, photo: zhang.jpg}")
    honours = edit(honours, "[zhang], body", "[zhang], photos: [zhang.jpg, gone.jpg], body")
    root = data_dir(honours=honours, **{"photos/zhang.jpg": phone_jpeg.read_bytes()})
    assert [str(p) for p in check_deployment(root)] == [
        "data/honours.yaml:6: stories[0].photos[1]: 照片文件 photos/gone.jpg 不存在"
    ]


def test_a_truncated_photo_is_refused_even_after_weasyprint_loosened_pillow(
    phone_jpeg, tmp_path, monkeypatch
):
    """WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES when it is imported (a PDF made
    earlier in the same process): a cut-off photo must still be refused."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    source = tmp_path / "cut.jpg"
    source.write_bytes(phone_jpeg.read_bytes()[:5000])
    with pytest.raises(PhotoError, match="照片 cut.jpg 已损坏"):
        process_photo(source, tmp_path / "cache", "cut.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the process had it
