"""Run Alembic migrations programmatically (CLI, app start, tests), and name the revisions the
migration scripts lead to (the readiness check compares the database with them)."""

from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from app.config import PROJECT_DIR


@dataclass(frozen=True)
class Revisions:
    heads: frozenset[str]
    known: frozenset[str]


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@cache
def script_revisions() -> Revisions:
    """The head revisions and every revision of the shipped scripts. Read once per process: the
    scripts do not change under a running server, and reading them imports every migration."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return Revisions(heads=frozenset(script.get_heads()),
                     known=frozenset(rev.revision for rev in script.walk_revisions()))
