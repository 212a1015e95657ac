"""Zipped Shapefiles from an untrusted source: bombs, hostile names and lying directories are
refused from the central directory, before anything is unpacked; what is unpacked is capped."""

from __future__ import annotations

import re
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write

from app.geofile import archive, reader
from app.geofile.reader import ImportFileError
from tests.helpers.zips import PARTS, bomb, zip_of

LON, LAT = 12.354, 50.895
LIMIT = reader.MAX_FILE_BYTES


@pytest.fixture(scope="module")
def bomb_zip(tmp_path_factory) -> Path:
    return bomb(tmp_path_factory.mktemp("bomb") / "leer.zip")


def refused(path: Path, max_bytes: int = LIMIT) -> str:
    folder = path.with_suffix(".out")
    folder.mkdir()
    with pytest.raises(ImportFileError) as info:
        archive.extract_shapefile(path, folder, max_bytes)
    assert info.value.field == "file"
    assert list(folder.iterdir()) == []  # refused before a byte was unpacked
    return info.value.message


def test_zip_bomb_is_refused_by_its_ratio_before_it_is_unpacked(bomb_zip, tmp_path):
    """192 MiB of zeros in under 1 MB: below the size limit, but no Shapefile packs 229:1."""
    info, = (i for i in zipfile.ZipFile(bomb_zip).infolist() if i.filename == "leer.shp")
    ratio = f"{info.file_size / info.compress_size:,.0f}:1"
    assert info.file_size < LIMIT and info.file_size / info.compress_size > archive.MAX_RATIO
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb_zip.read_bytes())
    message = refused(path)
    assert f"'leer.shp' would unpack {ratio}" in message and "201,326,592 bytes" in message
    with pytest.raises(ImportFileError, match=ratio):  # the reader of every import
        reader.read_points(path)


def test_zip_unpacking_to_more_than_the_limit(tmp_path):
    path = zip_of(tmp_path / "big.zip", {**PARTS, "leer.dbf": b"\x00" * 3_000_000},
                  method=zipfile.ZIP_STORED)
    assert "unpacks to 3,000,200 bytes, more than the 1,000,000" in refused(path, 1_000_000)


def test_too_many_entries(tmp_path):
    path = zip_of(tmp_path / "many.zip", {**PARTS, **{f"x/{i}.txt": b"" for i in range(998)}})
    assert "1,001 entries, more than the 1,000" in refused(path)


def test_directory_bigger_than_its_entries_allow(tmp_path):
    """The end record may understate the entries: the directory's size bounds the parse."""
    names = {f"{i:05}{'x' * 200}": b"" for i in range(5000)}  # ~250 bytes each in the directory
    path = zip_of(tmp_path / "many.zip", {**PARTS, **names}, method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 3, 3)  # "3 entries"
    path.write_bytes(bytes(data))
    assert re.search(r"directory has [\d,]+ bytes, more than the 1,048,576", refused(path))


@pytest.mark.parametrize("prefix", ["../", "/tmp/", "C:/", "a/../../", "..\\", "C:\\temp\\"])
def test_names_outside_the_archive(tmp_path, prefix):
    path = zip_of(tmp_path / "t.zip", {prefix + name: data for name, data in PARTS.items()})
    assert "points outside the archive" in refused(path)


def test_symlink_entry(tmp_path):
    link = zipfile.ZipInfo("leer.prj")
    link.create_system = 3  # Unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = zip_of(tmp_path / "l.zip", {**PARTS, link: b"/etc/passwd"})
    assert "'leer.prj' is a symbolic link" in refused(path)


@pytest.mark.parametrize("name", ["inner.zip", "sub/INNER.ZIP", "leer.tar.gz"])
def test_archive_inside_the_archive(tmp_path, name):
    inner = zip_of(tmp_path / "inner.zip", PARTS).read_bytes()
    path = zip_of(tmp_path / "outer.zip", {**PARTS, name: inner})
    assert "holds another archive" in refused(path)


def test_unusual_compression(tmp_path):
    path = zip_of(tmp_path / "b.zip", PARTS, method=zipfile.ZIP_BZIP2)
    assert "compression method 12" in refused(path)


def test_lying_directory_is_cut_at_the_size_it_declares(tmp_path):
    """The directory says 1,000 bytes, the deflate stream holds 8 MiB: no more than 1,000 bytes
    are unpacked; with a checksum of those 1,000 bytes the entry then reads as truncated."""
    path = zip_of(tmp_path / "lie.zip", {**PARTS, "leer.shp": b"\x00" * (8 << 20)})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")  # leer.shp is the first entry
    for at, offset in ((0, 14), (central, 16)):  # local header, directory entry: CRC, size
        struct.pack_into("<I", data, at + offset, zlib.crc32(b"\x00" * 1000))
        struct.pack_into("<I", data, at + offset + 8, 1000)
    path.write_bytes(bytes(data))
    shp = archive.extract_shapefile(path, tmp_path, LIMIT)
    assert shp.stat().st_size == 1000
    with pytest.raises(ImportFileError, match="broken or truncated shapefile"):
        reader.read_points(path)
    struct.pack_into("<I", data, central + 16, 0)  # a checksum that does not match
    path.write_bytes(bytes(data))
    (tmp_path / "out").mkdir()
    with pytest.raises(ImportFileError, match="broken or truncated zip file: Bad CRC"):
        archive.extract_shapefile(path, tmp_path / "out", LIMIT)


def test_corrupt_deflate_stream(tmp_path):
    path = zip_of(tmp_path / "c.zip", {**PARTS, "leer.shp": bytes(range(256)) * 400})
    data = bytearray(path.read_bytes())
    start = 30 + len("leer.shp")
    data[start:start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match="broken or truncated zip file"):
        archive.extract_shapefile(path, tmp_path, LIMIT)


def test_parts_in_a_folder_in_any_case_with_other_files(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        write(str(folder / "leer.shp"), np.array(shapely.to_wkb(shapely.points([(LON, LAT)])),
                                                 dtype=object),
              [np.array(["a"], dtype=object)], fields=["street"], driver="ESRI Shapefile",
              crs="EPSG:4326", geometry_type="Point")
    parts = {f"Daten/LEER{part.suffix.upper()}": part.read_bytes() for part in folder.iterdir()}
    path = zip_of(tmp_path / "ok.zip", {**parts, "Daten/LEER.shp.xml": b"<x/>",
                                        "liesmich.txt": b"hallo", "Daten/": b""})
    src = reader.read_points(path)
    assert src.format == "shapefile" and src.epsg == 4326
    assert src.records[0].props == {"street": "a"} and src.records[0].x == LON


def test_incomplete_or_ambiguous_shapefile(tmp_path):
    missing = zip_of(tmp_path / "m.zip", {"leer.shp": b"x", "leer.dbf": b"x"})
    assert "missing .shx" in refused(missing)
    two = zip_of(tmp_path / "t.zip", {**PARTS, "LEER.SHX": b"x"})
    assert "holds 'LEER.SHX' twice" in refused(two)
    none = zip_of(tmp_path / "n.zip", {"liesmich.txt": b"x"})
    assert "exactly one .shp file, found 0" in refused(none)
