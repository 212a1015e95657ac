"""The command line starts without loading the web stack or any domain service.

``leerstand import`` is benchmarked as a whole process against ogr2ogr, so building the parser
(which registers every domain's subcommands) must stay cheap: the handlers import what they need.
Checked structurally in a fresh interpreter (what a module import leaves in ``sys.modules``),
never by timing.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the web stack, and services/models/ORM that only the handlers need
HEAVY = ("fastapi", "starlette", "uvicorn", "jinja2", "folium", "sqlalchemy", "geoalchemy2",
         "app.database", "app.proposals.service", "app.abuse.service", "app.scoring.models",
         "app.accounts.models", "app.exchange.export")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return out.split()


def test_building_the_parser_loads_no_web_stack_service_or_orm():
    assert _loaded_after("import app.cli\napp.cli.build_parser()") == []


def test_importer_path_loads_no_web_stack():
    loaded = _loaded_after("import app.cli, app.exchange.import_service")
    assert [m for m in loaded if m in ("fastapi", "starlette", "uvicorn", "jinja2", "folium")] == []
