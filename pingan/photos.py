"""Photos from phones made fit for the site: upright, without EXIF, small, cached.

A volunteer's photo or a story's pictures often arrive as they left the phone: up to
20 MB, 4,000 px or more, HEIC from an iPhone or JPEG whose rotation is only a tag in
EXIF, and EXIF that holds where the picture was taken. Each is turned upright, given
sRGB colours, stripped of every metadata block (EXIF, XMP, ICC) and written as a page
image (longest side 1,600 px) and a thumbnail (400 px), each as WebP with a JPEG
fallback of at most 300 KB. Results are kept in a cache directory under the source's
content hash, so a rebuild reuses them instead of decoding a 20 MB file again.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from PIL import ImageFile as PillowImageFile

from .files import write_atomically

pillow_heif.register_heif_opener()

#: The largest photo file accepted: a phone's full-quality picture is 3–15 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The most pixels accepted (a 48-megapixel phone camera makes 8,000 × 6,000): more is a
#: decompression bomb or a scan nobody needs, and would take gigabytes to decode.
MAX_PIXELS = 50_000_000
#: Longest side of the page image and of the thumbnail.
PAGE_SIDE = 1600
THUMBNAIL_SIDE = 400
#: Largest file written, per format and size.
MAX_OUTPUT_BYTES = 300 * 1024
#: Qualities tried in turn until the file fits; below the last, the image is made smaller.
QUALITIES = (82, 74, 66, 58, 50, 42)
#: Formats a photo may come in, by Pillow's names ("JPEG" also opens MPO, a JPEG with a
#: second picture that some phones write).
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
#: Part of every cache key: changing how photos are made changes this, and the cache with it.
RECIPE = f"pingan-photos-1:{PAGE_SIDE}:{THUMBNAIL_SIDE}:{MAX_OUTPUT_BYTES}:{QUALITIES}"

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoError(Exception):
    """A photo that cannot be used; ``message`` says why in Chinese and names the file."""

    def __init__(self, file: str, message: str):
        super().__init__(message)
        self.file = file
        self.message = message


@dataclass(frozen=True)
class ImageFile:
    """One written image: where it is in the cache, its size in pixels and in bytes."""

    path: Path
    width: int
    height: int
    bytes: int
    media_type: str

    @property
    def name(self) -> str:
        """A content-addressed file name, safe to publish with a long cache lifetime."""
        return self.path.name


@dataclass(frozen=True)
class Rendition:
    """One size of a photo in both formats: WebP for browsers that take it, else JPEG."""

    webp: ImageFile
    jpeg: ImageFile


@dataclass(frozen=True)
class ProcessedPhoto:
    """A source photo's page image and thumbnail; ``reused`` when the cache had them."""

    source: Path
    digest: str
    page: Rendition
    thumbnail: Rendition
    reused: bool

    @property
    def files(self) -> tuple[ImageFile, ...]:
        """The four files to publish (page and thumbnail, WebP and JPEG)."""
        return (self.page.webp, self.page.jpeg, self.thumbnail.webp, self.thumbnail.jpeg)


def inspect_photo(path: Path, display: str | None = None) -> None:
    """Raise PhotoError if *path* is too large, of an unknown format or unreadable.

    Reads the header only (fast enough for ``pingan check``); decoding happens in
    ``process_photo``.
    """
    _open(path, display or str(path)).close()


def process_photo(source: Path, cache_dir: Path, display: str | None = None) -> ProcessedPhoto:
    """The page image and thumbnail of *source*, made now or taken from *cache_dir*."""
    return PhotoCache(cache_dir).get(source, display)


class PhotoCache:
    """Processed photos in a folder, by content hash; remembers hashes of unchanged files.

    One instance may live as long as a preview server: a source whose size and modification
    time have not changed is not even read again.
    """

    def __init__(self, cache_dir: Path | str):
        self.cache_dir = Path(cache_dir)
        self._digests: dict[tuple[str, int, int], str] = {}

    def get(self, source: Path | str, display: str | None = None) -> ProcessedPhoto:
        """The processed photo of *source*; raises PhotoError for a photo that cannot be used."""
        source = Path(source)
        display = display or str(source)
        digest = self._digest(source, display)
        manifest = self._folder(digest) / f"{digest}.json"
        found = self._load_manifest(source, digest, manifest)
        if found:
            return found
        with _open(source, display) as image:
            page, thumbnail = _render(image, display)
        folder = self._folder(digest)
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for size_name, rendition in (("page", page), ("thumbnail", thumbnail)):
            for format_name, (data, width, height) in rendition.items():
                suffix = "webp" if format_name == "webp" else "jpg"
                path = folder / f"{digest[:20]}-{size_name}.{suffix}"
                write_atomically(path, data)
                files[f"{size_name}.{format_name}"] = {
                    "file": path.name,
                    "width": width,
                    "height": height,
                    "bytes": len(data),
                }
        write_atomically(manifest, json.dumps(files, sort_keys=True).encode())
        return self._from_manifest(source, digest, files, reused=False)

    def _folder(self, digest: str) -> Path:
        return self.cache_dir / digest[:2]

    def _digest(self, source: Path, display: str) -> str:
        try:
            stat = source.stat()
        except OSError:
            raise PhotoError(display, f"照片文件 {display} 不存在或无法读取") from None
        _check_file_size(stat.st_size, display)
        key = (str(source.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            hasher = hashlib.sha256(RECIPE.encode())
            with source.open("rb") as file:
                for block in iter(lambda: file.read(1 << 20), b""):
                    hasher.update(block)
            self._digests[key] = hasher.hexdigest()
        return self._digests[key]

    def _load_manifest(self, source: Path, digest: str, manifest: Path) -> ProcessedPhoto | None:
        try:
            files = json.loads(manifest.read_text(encoding="utf-8"))
            photo = self._from_manifest(source, digest, files, reused=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if all(f.path.is_file() and f.path.stat().st_size == f.bytes for f in photo.files):
            return photo
        return None

    def _from_manifest(
        self, source: Path, digest: str, files: dict, *, reused: bool
    ) -> ProcessedPhoto:
        folder = self._folder(digest)

        def image(key: str, media_type: str) -> ImageFile:
            entry = files[key]
            return ImageFile(
                folder / entry["file"], entry["width"], entry["height"], entry["bytes"], media_type
            )

        def rendition(size_name: str) -> Rendition:
            return Rendition(
                image(f"{size_name}.webp", "image/webp"), image(f"{size_name}.jpeg", "image/jpeg")
            )

        return ProcessedPhoto(source, digest, rendition("page"), rendition("thumbnail"), reused)


def _check_file_size(size: int, display: str) -> None:
    if size > MAX_FILE_BYTES:
        raise PhotoError(
            display,
            f"照片文件 {display} 有 {size / 1024 / 1024:.1f} MB，超过 20 MB 的上限："
            "请在手机上以“大”或“中等”尺寸导出后再放入",
        )


def _open(path: Path, display: str) -> Image.Image:
    """Open *path* after checking its size, format and pixel count (header only)."""
    try:
        size = path.stat().st_size
    except OSError:
        raise PhotoError(display, f"照片文件 {display} 不存在或无法读取") from None
    _check_file_size(size, display)
    too_many = (
        f"照片 {display} 的像素数超过 {MAX_PIXELS // 1_000_000} 百万像素的上限："
        "文件可能已损坏或被做了手脚，请换一张照片"
    )
    try:
        image = Image.open(path, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Far beyond MAX_PIXELS, Pillow's own guard speaks first (its warning is an error
        # where warnings are errors, as in the tests).
        raise PhotoError(display, too_many) from None
    except UnidentifiedImageError:
        raise PhotoError(
            display,
            f"无法识别照片 {display} 的格式：只接受 JPEG、PNG、WebP 和 HEIC（苹果手机照片）",
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise PhotoError(display, f"照片 {display} 已损坏，无法读取") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise PhotoError(display, f"{too_many}（这张有 {width}×{height} 像素）")
    return image


def _render(image: Image.Image, display: str) -> tuple[dict, dict]:
    """Page image and thumbnail of an opened photo as {format: (bytes, width, height)}."""
    try:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale for free: ask for no more than the page needs.
        image.draft("RGB", (PAGE_SIDE, PAGE_SIDE))
        _load_whole(image)
        upright = ImageOps.exif_transpose(image)
        clean = _plain_srgb(upright)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(display, f"照片 {display} 已损坏，无法读取") from None
    page = _shrink(clean, PAGE_SIDE)
    thumbnail = _shrink(page, THUMBNAIL_SIDE)
    return _encode_both(page), _encode_both(thumbnail)


_STRICT = threading.Lock()


def _load_whole(image: Image.Image) -> None:
    """Decode every pixel, refusing a cut-off file whatever the process has set: importing
    WeasyPrint (the printed matter's PDFs) sets Pillow's LOAD_TRUNCATED_IMAGES for all."""
    with _STRICT:
        loose = PillowImageFile.LOAD_TRUNCATED_IMAGES
        PillowImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            PillowImageFile.LOAD_TRUNCATED_IMAGES = loose


def _plain_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB and nothing else: no EXIF, XMP, ICC profile or other info."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except ImageCms.PyCMSError:
            pass  # an unreadable profile: the pixels are kept as they are
    plain = Image.new("RGB", image.size)
    plain.paste(image)
    return plain


def _shrink(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_both(image: Image.Image) -> dict[str, tuple[bytes, int, int]]:
    return {"webp": _encode_within(image, "WEBP"), "jpeg": _encode_within(image, "JPEG")}


def _encode_within(image: Image.Image, format_name: str) -> tuple[bytes, int, int]:
    """Encode at falling quality until the file fits MAX_OUTPUT_BYTES; then smaller."""
    current = image
    while True:
        for quality in QUALITIES:
            buffer = io.BytesIO()
            if format_name == "JPEG":
                current.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
            else:
                current.save(buffer, "WEBP", quality=quality, method=4)
            if buffer.tell() <= MAX_OUTPUT_BYTES:
                return buffer.getvalue(), current.width, current.height
        # Bytes grow with the area: shrink by what the last try overshot, and a little more.
        scale = min(0.9, (MAX_OUTPUT_BYTES / buffer.tell()) ** 0.5 * 0.95)
        size = (max(1, int(current.width * scale)), max(1, int(current.height * scale)))
        current = current.resize(size, Image.Resampling.LANCZOS)
