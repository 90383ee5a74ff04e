"""The private library: recordings on disk, calls and their rows in SQLite. No Qt here.

`db.py` opens and migrates the database, `recorder.py` writes crash-safe stereo WAVs, `rows.py`
turns events into rows, `library.py` is what the app and `analyze --save` call, `writer.py` is the
single writer thread the live worker hands rows to, `lock.py` keeps a second app instance out.
"""

from __future__ import annotations


class StoreError(Exception):
    """Something the agent should be told about the library, in plain words."""


class StoreInUse(StoreError):
    """Another coach_app process has the library open."""
