"""One instance per library: a second is told the library is in use and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coach_app.store import StoreInUse
from coach_app.store.library import Library

HOLD = """
import sys, time
from coach_app.store.library import Library
lib = Library(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_a_second_instance_in_the_same_process_is_refused(library: Library, library_root: Path) -> None:
    before = library.db_path.read_bytes()
    with pytest.raises(StoreInUse, match="already open"):
        Library(library_root)
    assert library.db_path.read_bytes() == before
    assert library.list_calls() == []  # the first instance is unaffected


def test_the_library_opens_again_once_the_first_instance_closed(library_root: Path) -> None:
    Library(library_root).close()
    with Library(library_root) as again:
        assert again.list_calls() == []


def test_another_process_is_named_and_a_killed_one_leaves_no_stale_lock(library_root: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", HOLD, str(library_root)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        with pytest.raises(StoreInUse, match=f"process {other.pid}"):
            Library(library_root)
    finally:
        other.kill()  # as if it crashed: no clean-up code runs
        other.wait()
    with Library(library_root) as after:
        assert after.list_calls() == []
