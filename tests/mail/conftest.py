"""Fixtures of the mail tests: a real SMTP server, settings pointing at it, a worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import Settings
from app.database import make_engine
from app.mail.worker import MailWorker
from tests.helpers.smtp import Sink, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def sink(smtp) -> Sink:
    return smtp[0]


@pytest.fixture
def settings(settings: Settings, smtp) -> Settings:
    return settings.model_copy(update={
        "smtp_url": f"smtp://127.0.0.1:{smtp[1]}", "mail_from": "Stadt Schmölln <leerstand@example.org>"})


@pytest.fixture
def worker(settings: Settings) -> Iterator[MailWorker]:
    engine = make_engine(settings.database_url)
    yield MailWorker(engine=engine, settings=settings, retry_base_s=0.05)
    engine.dispose()
