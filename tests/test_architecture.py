"""The design's contracts, checked: the core imports no Qt, recogniser libraries stay in asr/,
sounddevice stays in the capture module."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "coach_app"


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_sounddevice_only_in_capture():
    users = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py") if "sounddevice" in imported_modules(p)}
    assert users <= {"coach_app/audio/capture.py"}


def test_engine_runs_without_qt_loaded():
    code = ("import sys, numpy as np\n"
            "from coach_app.engine import CallEngine\nfrom coach_app.settings import Settings\n"
            "from coach_app.commands import analyze\n"
            "CallEngine(Settings(), None, []).feed(np.zeros((3200, 2), np.int16))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_core_is_typed():
    """mypy clean on everything but ui/ (the design's rule)."""
    result = subprocess.run([sys.executable, "-m", "mypy", "coach_app"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
