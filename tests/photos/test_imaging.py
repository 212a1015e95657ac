"""The pure checks and re-encoding (app.photos.imaging), on images made here with Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.errors import AnimatedImage, ImageTooLarge, InvalidImage, UnsupportedImageType
from app.photos import imaging
from tests.helpers import images


def _read(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_gps_exif_xmp_and_comment_are_gone():
    source = _read(images.gps_photo())
    assert source.getexif().get_ifd(images.GPS_IFD) and "xmp" in source.info  # the test's premise
    processed = imaging.process(images.gps_photo())
    for data in (processed.image.data, processed.thumbnail.data):
        out = _read(data)
        assert dict(out.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(out.info)
        assert b"Exif" not in data and b"Testkamera" not in data and b"secret comment" not in data


def test_orientation_6_comes_out_upright():
    processed = imaging.process(images.sideways_photo())
    out = _read(processed.image.data).convert("RGB")
    assert out.size == (200, 300) == (processed.image.width, processed.image.height)
    top, bottom = out.getpixel((100, 40)), out.getpixel((100, 260))
    assert top[0] > 180 and top[2] < 60, top  # red above
    assert bottom[2] > 180 and bottom[0] < 60, bottom  # blue below


def test_long_edge_and_thumbnail_are_bounded():
    processed = imaging.process(images.photo((4000, 3000)))
    assert (processed.image.width, processed.image.height) == (2000, 1500)
    assert (processed.thumbnail.width, processed.thumbnail.height) == (400, 300)
    small = imaging.process(images.photo((300, 200)))
    assert (small.image.width, small.image.height) == (300, 200)  # never scaled up


def test_heic_png_and_webp_are_accepted_as_jpeg():
    for data, source in ((images.heic(), "HEIF"),
                         (images.encoded(Image.new("RGBA", (50, 40), (0, 0, 0, 0)), "PNG"), "PNG"),
                         (images.encoded(Image.new("RGB", (50, 40), images.RED), "WEBP"), "WEBP")):
        processed = imaging.process(data)
        assert processed.source_format == source
        assert _read(processed.image.data).format == "JPEG"
    # transparency becomes white, not black
    assert _read(imaging.process(images.encoded(
        Image.new("RGBA", (50, 40), (0, 0, 0, 0)), "PNG")).image.data).getpixel((5, 5)) == (255, 255, 255)


JPEG = images.photo()


@pytest.mark.parametrize(("data", "error"), [
    (images.PDF, UnsupportedImageType),
    (images.SVG, UnsupportedImageType),
    (images.encoded(Image.new("RGB", (20, 20)), "GIF"), UnsupportedImageType),
    (images.encoded(Image.new("RGB", (20, 20)), "BMP"), UnsupportedImageType),
    (b"", UnsupportedImageType),
    (JPEG[: len(JPEG) // 2], InvalidImage),  # truncated
    (JPEG + images.zip_file(), InvalidImage),  # polyglot: JPEG and ZIP
    (JPEG + b"<html><script>alert(1)</script></html>", InvalidImage),
    (images.encoded(Image.new("RGB", (20, 20)), "PNG") + b"<script>alert(1)</script>", InvalidImage),
    (images.png_bomb(), ImageTooLarge),
    (images.animated_gif(), AnimatedImage),
    (images.encoded(Image.new("RGB", (20, 20)), "PNG", save_all=True,
                    append_images=[Image.new("RGB", (20, 20), images.RED)]), AnimatedImage),
], ids=["pdf", "svg", "gif", "bmp", "empty", "truncated", "jpeg+zip", "jpeg+html", "png+script",
        "bomb", "animated-gif", "animated-png"])
def test_refused(data, error):
    with pytest.raises(error) as refused:
        imaging.process(data)
    assert refused.value.field == "file" and refused.value.message


def test_pixel_limit_is_read_from_the_header():
    bomb = images.png_bomb(8000, 8000)  # 64 MP, under Pillow's own error threshold
    assert len(bomb) < 200
    with pytest.raises(ImageTooLarge, match="8000 × 8000"):
        imaging.process(bomb, max_pixels=40_000_000)


def test_zero_padding_after_the_image_is_no_polyglot():
    assert imaging.process(JPEG + b"\x00" * 64).image.width == 640


def test_the_end_of_a_jpeg_is_found_past_an_exif_thumbnail():
    # the EXIF segment holds a whole JPEG (with its own end marker) as a thumbnail
    exif = Image.Exif()
    exif[0x010F] = "Kamera"
    thumb = images.photo((160, 120))
    with_thumb = images.photo(exif=exif.tobytes() + thumb)
    assert imaging.image_end(with_thumb, "JPEG") == len(with_thumb)


def test_upload_paths_match_one_segment_per_star():
    from app.middleware import path_under

    assert path_under("/api/v1/vacancies/12/photos", "/api/v1/vacancies/*/photos")
    assert path_under("/api/v1/reports/3/photos", "/api/v1/reports/*/photos")
    assert not path_under("/api/v1/vacancies/12", "/api/v1/vacancies/*/photos")
    assert not path_under("/api/v1/vacancies/1/2/photos", "/api/v1/vacancies/*/photos")
    assert not path_under("/api/v1/reports", "/api/v1/reports/*/photos")
    assert path_under("/api/v1/reports/3/confirm", "/api/v1/reports")  # plain prefixes as before
