"""The code base stays ruff-clean under the rules pyproject.toml selects (E, W, F, I, B, C4, UP),
and app/ type-checks under the mypy configuration there."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", "app", "tests", "bench", "migrations/env.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean():
    # the files (app/), the pydantic plugin and the per-library exceptions come from pyproject.toml
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
