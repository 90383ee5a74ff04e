"""Disk full while recording: a clear DiskFull error, the recording so far kept and readable."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.store import StoreError
from coach_app.store.recorder import HEADER_BYTES, DiskFull, RecorderError, WavRecorder, repair

from .helpers import RATE, tone

SIGNAL = tone(5.0)
BLOCK = RATE // 10


def fill_disk_at(monkeypatch: pytest.MonkeyPatch, fd: int, limit: int) -> None:
    """os.write on `fd` behaves like a disk with `limit` bytes: a short write up to it, then ENOSPC.
    Overwriting bytes already in the file (the header) still works, as on a real full disk."""
    real: Callable[[int, bytes | memoryview], int] = os.write

    def write(target: int, data: bytes | memoryview) -> int:
        if target != fd:
            return real(target, data)
        pos = os.lseek(fd, 0, os.SEEK_CUR)
        room = max(limit, os.fstat(fd).st_size) - pos
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(target, bytes(data)[:room])

    monkeypatch.setattr(os, "write", write)


def test_disk_full_keeps_the_recording_so_far(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = WavRecorder(tmp_path / "call.wav")
    limit = HEADER_BYTES + int(2.33 * RATE) * 4 + 2  # runs out mid-block and mid-frame
    fill_disk_at(monkeypatch, rec.fileno(), limit)
    kept = 0
    with pytest.raises(DiskFull) as failure:
        for start in range(0, len(SIGNAL), BLOCK):
            rec.write(SIGNAL[start:start + BLOCK])
            kept = rec.frames
    monkeypatch.undo()

    error = failure.value
    assert isinstance(error, StoreError)  # the app's one "tell the agent" type
    assert "disk is full" in str(error) and str(rec.path) in str(error) and "kept" in str(error)
    assert error.t == pytest.approx(kept / RATE) and kept == int(2.3 * RATE)  # whole blocks before the failing one
    assert rec.closed
    data, _ = sf.read(str(rec.path), dtype="int16", always_2d=True)  # no repair needed
    assert np.array_equal(data, SIGNAL[:kept])
    with pytest.raises(RecorderError, match="closed"):
        rec.write(SIGNAL[:BLOCK])


def test_other_write_errors_are_reported_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = WavRecorder(tmp_path / "call.wav")
    rec.write(SIGNAL[:BLOCK])
    fd, real = rec.fileno(), os.write

    def broken(target: int, data: bytes | memoryview) -> int:
        if target == fd:
            raise OSError(errno.EIO, "Input/output error")
        return real(target, data)

    monkeypatch.setattr(os, "write", broken)
    with pytest.raises(RecorderError, match="Input/output error") as failure:
        rec.write(SIGNAL[BLOCK:2 * BLOCK])
    assert not isinstance(failure.value, DiskFull)
    monkeypatch.undo()
    assert rec.closed
    assert repair(rec.path).frames == BLOCK  # the header could not be written either: the next start fixes it


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the fd's file through /proc")
def test_a_full_disk_at_the_start_is_said_plainly_and_leaves_no_file(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write

    def full(fd: int, data: bytes | memoryview) -> int:
        if os.path.realpath(f"/proc/self/fd/{fd}").endswith("call.wav"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(DiskFull, match="cannot be recorded"):
        WavRecorder(tmp_path / "call.wav")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
