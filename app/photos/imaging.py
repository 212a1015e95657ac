"""Checking and re-encoding uploaded photos. Pure: bytes in, bytes out; knows nothing of HTTP or
the database.

What comes in is judged by its bytes, never its name or Content-Type: JPEG (also a phone's
multi-picture MPO), PNG, WebP and HEIC/HEIF are accepted; anything else (PDF, SVG, GIF, …) is
refused. Refused too, each before it is decoded: more pixels than the limit according to the
header (a decompression bomb), more than one frame (animations), a file that ends before its
image does (truncated), and a file with bytes after the end of its image — the usual way to build
a polyglot (a JPEG that is also a ZIP, or HTML a browser might run). What is stored is never the
upload: the image is decoded, turned upright by its EXIF orientation, converted to sRGB, scaled
to a long edge of at most 2,000 px and written as a new (progressive) JPEG without any metadata
(no EXIF — so no GPS position —, XMP, IPTC, ICC profile or comment), plus a 400 px thumbnail.
Whatever hides inside the upload's own segments does not survive the re-encoding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from app.errors import (
    AnimatedImage,
    DomainError,
    ImageTooLarge,
    InvalidImage,
    UnsupportedImageType,
)

pillow_heif.register_heif_opener()
# a truncated file is an error, never an image with a grey bottom
ImageFile.LOAD_TRUNCATED_IMAGES = False
DEFAULT_MAX_PIXELS = 40_000_000
# Pillow's own guard (a warning above, an error above twice this); ours runs first, with the setting
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS

# the JPEG opener answers MPO for a multi-picture file
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF")
# GIF is opened only to name the refusal (animated, or a still GIF)
OPENED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "GIF")
# several "frames" that are no animation: an MPO's depth map or preview, a HEIC's burst
STILL_FORMATS = {"MPO", "HEIF"}
MAX_EDGE = 2000
THUMB_EDGE = 400
QUALITY = 82
THUMB_QUALITY = 80
CONTENT_TYPE = "image/jpeg"
ACCEPTED_TEXT = "JPEG, PNG, WebP or HEIC"
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Encoded:
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Processed:
    """The re-encoded image and its thumbnail (both JPEG), and what the upload was."""

    image: Encoded
    thumbnail: Encoded
    source_format: str
    content_type: str = CONTENT_TYPE


def process(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Processed:
    """Check an upload and re-encode it; raises a DomainError saying what was wrong."""
    image = _open(data, max_pixels)
    try:
        source = str(image.format)
        _check_frames(image)
        _check_end(data, source)
        upright = _decode(image)
    finally:
        image.close()
    big = _fit(upright, MAX_EDGE)
    return Processed(image=_jpeg(big, QUALITY), thumbnail=_jpeg(_fit(big, THUMB_EDGE), THUMB_QUALITY),
                     source_format=source)


# --- checks before decoding ----------------------------------------------------------------------

def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image with only its header read; refuses other formats and too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=OPENED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"the image has more than {max_pixels:,} pixels", field="file") from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedImageType(f"the file is not a {ACCEPTED_TEXT} image", field="file") from exc
    except Exception as exc:  # a broken header, in any of the decoders
        raise InvalidImage("the image header is broken", field="file") from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageTooLarge(f"the image has {width} × {height} pixels, more than {max_pixels:,}",
                            field="file")
    return image


def _check_frames(image: Image.Image) -> None:
    if image.format not in STILL_FORMATS and getattr(image, "n_frames", 1) > 1:
        raise AnimatedImage("animated images are not accepted; send a single picture", field="file")
    if image.format not in ACCEPTED_FORMATS:
        raise UnsupportedImageType(f"{image.format} images are not accepted; send {ACCEPTED_TEXT}",
                                   field="file")


def _check_end(data: bytes, source: str) -> None:
    """The image must end where the file ends (zero padding aside): bytes after it are refused."""
    end = image_end(data, source)
    if end is None:
        raise InvalidImage("the image is truncated or broken", field="file")
    if data[end:].strip(b"\x00"):
        raise InvalidImage(f"the file has {len(data) - end} bytes after the end of the image "
                           "(a file hiding another format is refused)", field="file")


def image_end(data: bytes, source: str) -> int | None:
    """The offset just after the image's last byte by its format's structure; None: it ends
    before the image does."""
    if source in ("JPEG", "MPO"):
        end = _jpeg_end(data, 0)
        # a multi-picture file (MPF) keeps its further JPEG images after the first one's end
        while end is not None and data[end:end + 3] == b"\xff\xd8\xff":
            end = _jpeg_end(data, end)
        return end
    if source == "PNG":
        return _png_end(data)
    if source == "WEBP":
        size = 8 + int.from_bytes(data[4:8], "little")
        size += size % 2
        return size if size <= len(data) else None
    return _boxes_end(data)  # HEIF: ISO base media boxes


def _jpeg_end(data: bytes, pos: int) -> int | None:
    """After the EOI marker of the JPEG starting at ``pos``: segments are skipped by their
    length (so an EXIF thumbnail's own EOI does not count), entropy-coded data is scanned."""
    if data[pos:pos + 2] != b"\xff\xd8":
        return None
    pos += 2
    while pos < len(data):
        if data[pos] != 0xFF:
            return None
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            continue
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2 or pos + length > len(data):
            return None
        pos += length
        if marker == 0xDA:
            next_marker = _entropy_end(data, pos)
            if next_marker is None:
                return None
            pos = next_marker
    return None


def _entropy_end(data: bytes, pos: int) -> int | None:
    """The next marker after entropy-coded data (FF 00 is a stuffed byte, FF D0–D7 a restart)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0xFF:
            pos += 1
        elif following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        else:
            return pos


def _png_end(data: bytes) -> int | None:
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if pos > len(data):
            return None
        if kind == b"IEND":
            return pos
    return None


def _boxes_end(data: bytes) -> int | None:
    pos = 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        if size == 1:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif size == 0:  # the last box runs to the end of the file
            return len(data)
        if size < 8 or pos + size > len(data):
            return pos if pos else None  # what follows is no box: the image ended before it
        pos += size
    return pos


# --- decoding and re-encoding --------------------------------------------------------------------

def _decode(image: Image.Image) -> Image.Image:
    """Decoded, upright, sRGB without alpha. A JPEG is decoded at the smallest DCT scale that is
    still at least MAX_EDGE on its long side (4000 × 3000 decodes as 2000 × 1500)."""
    try:
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", _fitted(image.size, MAX_EDGE))
        image.load()
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        return _srgb(upright, icc)
    except DomainError:
        raise
    except Exception as exc:  # truncated data and every other decoder failure
        raise InvalidImage("the image is truncated or broken", field="file") from exc


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB" and image.mode != "CMYK":
        image = image.convert("RGB")
    if icc:
        try:  # a phone's Display P3 photo keeps its colours without carrying the profile along
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: its numbers are taken as sRGB
    return image.convert("RGB")


def _fitted(size: tuple[int, int], edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit(image: Image.Image, edge: int) -> Image.Image:
    size = _fitted(image.size, edge)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(image: Image.Image, quality: int) -> Encoded:
    # a new image: nothing of the upload's info (exif, icc_profile, xmp, comment) can travel along
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return Encoded(data=buffer.getvalue(), width=clean.width, height=clean.height)
