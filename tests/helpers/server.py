"""Running the app for tests: the secret key of the test settings, a free loopback port, the
handle of a live server, and ``leerstand serve`` as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]

SECRET = "test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings


@contextmanager
def leerstand_serve(database_url: str, workdir: Path, **env: str) -> Iterator[str]:
    """``leerstand serve`` as its own process on a free loopback port (no .env: ``workdir`` is a
    fresh folder); yields its base URL. ``env`` are extra or other environment variables
    (``LEERSTAND_LOG_LEVEL="INFO"`` for the access log); its output goes to workdir/serve.log."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("LEERSTAND_") and k != "FORWARDED_ALLOW_IPS"}
    environ.update({"PYTHONPATH": str(ROOT), "LEERSTAND_DATABASE_URL": database_url,
                    "LEERSTAND_SECRET_KEY": SECRET, "LEERSTAND_COOKIE_SECURE": "false",
                    "LEERSTAND_LOG_LEVEL": "WARNING", **env})
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port)],
        cwd=workdir, env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, workdir / "serve.log")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"leerstand serve exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/api/v1/me", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("leerstand serve did not start")
