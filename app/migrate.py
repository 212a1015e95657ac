"""Run Alembic migrations programmatically (CLI, app start, tests)."""

from alembic import command
from alembic.config import Config

from app.config import PROJECT_DIR


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
