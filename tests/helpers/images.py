"""Images made in the test with Pillow (and raw bytes for what Pillow will not write)."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()
ORIENTATION = 0x0112
GPS_IFD = 0x8825
RED, BLUE = (220, 20, 20), (20, 20, 220)


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gps_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Testkamera"
    exif[0x0132] = "2026:12:02 10:00:00"
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (50.0, 53.0, 42.5), 3: "E", 4: (12.0, 21.0, 18.25)}
    return exif.tobytes()


def photo(size: tuple[int, int] = (640, 480), color=(40, 140, 90), **options) -> bytes:
    return encoded(Image.new("RGB", size, color), "JPEG", quality=90, **options)


def noisy_jpeg(size: tuple[int, int] = (800, 600), **options) -> bytes:
    """A JPEG that is not tiny (noise compresses badly)."""
    return encoded(Image.effect_noise(size, 50).convert("RGB"), "JPEG", quality=90, **options)


def gps_photo() -> bytes:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return encoded(Image.new("RGB", (640, 480), (40, 140, 90)), "JPEG", quality=90,
                   exif=gps_exif(), xmp=xmp, comment=b"secret comment")


def sideways_photo() -> bytes:
    """Stored turned 90° anticlockwise with EXIF orientation 6 (rotate clockwise to show): shown
    upright it is 200 wide, 300 high, red on top and blue below."""
    upright = Image.new("RGB", (200, 300), BLUE)
    upright.paste(Image.new("RGB", (200, 150), RED), (0, 0))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    return encoded(stored, "JPEG", quality=95, exif=gps_exif(orientation=6))


def heic() -> bytes:
    return encoded(Image.new("RGB", (320, 240), RED), "HEIF", quality=90)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 40), color) for color in (RED, BLUE, RED)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG header claiming width × height pixels with a tiny IDAT: a few dozen bytes that would
    decode to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _chunk(b"IEND", b""))


def zip_file() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')
