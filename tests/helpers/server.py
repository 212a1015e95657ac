"""Running the app for tests: the secret key of the test settings, a free loopback port, the
handle of a live server."""

from __future__ import annotations

import socket

from app.config import Settings

SECRET = "test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings
