"""A zipped Shapefile, opened without trusting the archive. No database, no domain rules.

Everything is decided from the zip's central directory before a byte is unpacked: the number of
entries (read from the end record, before ``zipfile`` parses the directory at all), the names
(no ``..``, no absolute paths, no symlinks, no archive inside the archive), each entry's
compression ratio and the total it would unpack to. Then only the Shapefile's own parts are
copied out to a folder, each capped at the size its directory entry declares and all of them at
the import's byte limit; GDAL reads that folder, never the zip (``/vsizip`` would read whatever
the archive says).
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from app.geofile.reader import ImportFileError

# a Shapefile is 3 to 8 parts; 1,000 entries leave room for folders, metadata and styles. The
# directory of 1,000 entries with 200-character paths is ~250 KB; a bigger one is refused before
# zipfile parses it (it takes ~10 s for the million entries an upload of 88 MB can hold)
MAX_ENTRIES = 1000
MAX_DIRECTORY_BYTES = 1024 * 1024
# deflate packs at most ~1,030:1; ordinary Shapefiles measured 2–4:1 (.shp, .shx) and 80–86:1
# (a 20,000-row .dbf with sparse 254-character text columns). Only entries of more than 1 MiB
# are judged, so a small padded .dbf or .prj never is
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024
PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")  # what GDAL reads; indexes (.sbn, .qix) it rebuilds
REQUIRED = (".shp", ".shx", ".dbf")
ARCHIVES = (".zip", ".kmz", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what every Shapefile zip uses
CHUNK = 1024 * 1024
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"
_DRIVE = re.compile(r"^[A-Za-z]:")


def _refuse(message: str) -> ImportFileError:
    return ImportFileError(message, field="file")


def _directory_size(path: Path) -> tuple[int, int]:
    """Entries and bytes of the central directory, as the end record (or its zip64 form) says."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        start = max(0, size - _END.size - 0xFFFF)  # the record is followed by a comment of ≤64 KiB
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END.size:
            raise _refuse("broken or truncated zip file: it has no central directory")
        entries, directory = _END.unpack_from(tail, at)[4:6]
        locator = tail[at - 20:at] if at >= 20 else b""
        if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator[:4] == _ZIP64_LOCATOR:
            handle.seek(struct.unpack_from("<Q", locator, 8)[0])
            record = handle.read(56)
            if record[:4] == _ZIP64_END and len(record) == 56:
                entries, directory = struct.unpack_from("<QQ", record, 32)
    return entries, directory


def _check_count(path: Path) -> None:
    entries, directory = _directory_size(path)
    if entries > MAX_ENTRIES:
        raise _refuse(f"the zip has {entries:,} entries, more than the {MAX_ENTRIES:,} an import "
                      "takes")
    if directory > MAX_DIRECTORY_BYTES:
        raise _refuse(f"the zip's directory has {directory:,} bytes, more than the "
                      f"{MAX_DIRECTORY_BYTES:,} that {MAX_ENTRIES:,} entries need")


def _check_entry(info: zipfile.ZipInfo) -> None:
    """Refuses an entry for its name, kind or compression, from its directory entry alone."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/"):
        raise _refuse(f"the zip entry {info.filename!r} points outside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _refuse(f"the zip entry {info.filename!r} is a symbolic link")
    if name.lower().endswith(ARCHIVES):
        raise _refuse(f"the zip holds another archive ({info.filename!r}); put the Shapefile's "
                      "parts in the zip itself")
    if info.flag_bits & 0x1:
        raise _refuse(f"the zip entry {info.filename!r} is encrypted")
    if info.compress_type not in METHODS:
        raise _refuse(f"the zip entry {info.filename!r} uses compression method "
                      f"{info.compress_type}; use deflate (what every zip tool writes)")
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size / max(info.compress_size, 1)
        raise _refuse(f"the zip entry {info.filename!r} would unpack {ratio:,.0f}:1 "
                      f"({info.compress_size:,} to {info.file_size:,} bytes), more than the "
                      f"{MAX_RATIO}:1 an import takes (a zip bomb?)")


def _check_entries(infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    if len(infos) > MAX_ENTRIES:  # the end record may understate them
        raise _refuse(f"the zip has {len(infos):,} entries, more than the {MAX_ENTRIES:,} an "
                      "import takes")
    for info in infos:
        _check_entry(info)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > max_bytes:
        raise _refuse(f"the zip unpacks to {unpacked:,} bytes, more than the {max_bytes:,} an "
                      "import takes")


def _parts(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The Shapefile's parts by suffix: exactly one .shp, with its .shx and .dbf next to it."""
    files = [info for info in infos if not info.is_dir()]
    shps = [info for info in files if info.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise _refuse(f"the zip must hold exactly one .shp file, found {len(shps)}")
    stem = shps[0].filename[:-4].lower()
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        suffix = info.filename[len(stem):].lower()
        if info.filename[:len(stem)].lower() == stem and suffix in PARTS:
            if suffix in parts:
                raise _refuse(f"the zip holds {info.filename!r} twice")
            parts[suffix] = info
    missing = [suffix for suffix in REQUIRED if suffix not in parts]
    if missing:
        raise _refuse(f"the Shapefile is incomplete: missing {', '.join(missing)}")
    return parts


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Unpacks one entry, stopping at the size its directory entry declares (or the budget left):
    a directory that understates an entry cannot make this write more."""
    limit = min(info.file_size, budget)
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(min(CHUNK, limit - written + 1)):
            written += len(chunk)
            if written > limit:
                raise _refuse(f"the zip entry {info.filename!r} unpacks to more than the "
                              f"{limit:,} bytes its directory entry and the import allow")
            out.write(chunk)
    return written


def extract_shapefile(path: Path, folder: Path, max_bytes: int) -> Path:
    """The zipped Shapefile's parts, checked and copied into ``folder``; the .shp's path there."""
    _check_count(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(infos, max_bytes)
            budget = max_bytes
            for suffix, info in _parts(infos).items():
                budget -= _copy(archive, info, folder / f"layer{suffix}", budget)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise _refuse(f"broken or truncated zip file: {exc}") from exc
    return folder / "layer.shp"
