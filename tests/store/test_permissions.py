"""Owner-only: the library dir and recordings dir 0700, every file we create 0600, whatever the umask."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach_app.store.library import Library
from coach_app.store.recorder import WavRecorder

from .helpers import SUMMARY, call_events, tone, write_wav

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o000)  # so 0600/0700 come from the code, not from a careful umask
    yield
    os.umask(old)


def test_library_files_are_owner_only(library_root: Path, tmp_path: Path) -> None:
    with Library(library_root) as library:
        call = library.save_call(write_wav(tmp_path / "a.wav"), call_events(("agent", 0.1, 0.5, "hello")), SUMMARY)
        writer = library.writer()
        writer.add_events(writer.start_call(library.new_recording_path()), call_events(nudges=0))
        writer.close()
        audio = library.call_detail(call).audio_path
        exported = library.export_call(call, tmp_path / "export").files
        created = [library.db_path, library.root / "library.lock", audio, *exported]
        wal = [p for p in library.root.iterdir() if p.name.startswith("library.db-")]
        assert {p.name for p in wal} == {"library.db-wal", "library.db-shm"}
        created += wal
        assert mode(library.root) == 0o700 and mode(library.recordings_dir) == 0o700
        for path in created:
            assert mode(path) == 0o600, path


def test_recordings_are_owner_only_in_an_owner_only_dir(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "rec.wav"
    with WavRecorder(path) as rec:
        rec.write(tone(0.1))
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
