"""The store is core: it imports no Qt (the UI uses it, never the other way round)."""

from __future__ import annotations

import subprocess
import sys


def test_the_store_loads_without_qt() -> None:
    code = ("import sys\n"
            "import coach_app.store.library, coach_app.store.recorder, coach_app.store.writer\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')"
            " or m.startswith('coach_app.ui')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
