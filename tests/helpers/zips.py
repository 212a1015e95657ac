"""Zip files for the import tests: any entries, and a bomb built by streaming zeros."""

from __future__ import annotations

import zipfile
from pathlib import Path

# the three parts every Shapefile zip needs (content irrelevant to the zip checks)
PARTS = {"leer.shp": b"\x00" * 100, "leer.shx": b"\x00" * 100, "leer.dbf": b"\x00" * 100}
BOMB_BYTES = 192 * 1024 * 1024  # under the 200 MiB an import takes: only its ratio refuses it


def zip_of(path: Path, entries: dict[str | zipfile.ZipInfo, bytes],
           method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def bomb(path: Path, size: int = BOMB_BYTES) -> Path:
    """A Shapefile zip whose .shp is ``size`` zero bytes (~0.5 s; level 1 packs them 229:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("leer.shp", "w") as shp:
            chunk = b"\x00" * (1 << 20)
            for _ in range(size // len(chunk)):
                shp.write(chunk)
        for name in ("leer.shx", "leer.dbf"):
            archive.writestr(name, PARTS[name])
    return path
