"""Crash-safe stereo WAV recording: left agent, right customer, 16-bit PCM.

Blocks go straight to the file with os.write (no user-space buffer, so a crashed process loses
nothing already written). Every `sync_s` of audio the RIFF/data sizes are rewritten and the file
is fdatasync'ed, so even an OS crash or power cut leaves a header that is at most that stale;
`repair()` then fixes the sizes from the file length on the next start.
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from coach_app.paths import ensure_private_dir
from coach_app.store import StoreError

HEADER_BYTES = 44
CHANNELS = 2
SAMPLE_BYTES = 2
FRAME_BYTES = CHANNELS * SAMPLE_BYTES
_MAX_DATA = 0xFFFFFFFF - 36  # RIFF sizes are 32-bit


class RecorderError(StoreError):
    """The recording cannot go on; the message says why and where the audio so far is."""


class DiskFull(RecorderError):
    """No space left: recording stopped, everything up to `t` is kept in `path`."""

    def __init__(self, path: Path, t: float, started: bool = True) -> None:
        minutes, seconds = divmod(int(t), 60)
        if started:
            text = (f"The disk is full, so recording stopped at {minutes}:{seconds:02d}. "
                    f"The recording up to then is kept in {path}.")
        else:
            text = f"The disk is full, so the call cannot be recorded (in {path.parent})."
        super().__init__(text + " Free some space to record again.")
        self.path = path
        self.t = t


class RecordingDamaged(RecorderError):
    """A file that is not a WAV we can repair (e.g. the app died before the header was written)."""


def wav_header(sample_rate: int, data_bytes: int) -> bytes:
    data_bytes = min(data_bytes, _MAX_DATA)
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, CHANNELS,
                       sample_rate, sample_rate * FRAME_BYTES, FRAME_BYTES, 8 * SAMPLE_BYTES, b"data", data_bytes)


class WavRecorder:
    """`write(block)` with (n, 2) int16 (or float in -1..1) frames; `close()` when the call ends."""

    def __init__(self, path: str | Path, sample_rate: int = 16000, sync_s: float = 0.5) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.frames = 0
        self.pauses: list[tuple[float, float | None]] = []
        self._sync_frames = max(1, int(sync_s * sample_rate))
        self._unsynced = 0
        ensure_private_dir(self.path.parent)
        # O_EXCL: never append to, or truncate, someone else's recording
        flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
        self._fd: int | None = os.open(self.path, flags, 0o600)
        try:
            self._write_all(wav_header(sample_rate, 0))
            self._sync()
        except OSError as exc:
            error = self._stopped(exc, self._fd, started=False)
            self.path.unlink(missing_ok=True)  # nothing recorded: no empty file for startup_repair to list
            raise error from exc

    @property
    def t(self) -> float:
        """Audio seconds written so far (the same clock as the engine's events)."""
        return self.frames / self.sample_rate

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def closed(self) -> bool:
        return self._fd is None

    def fileno(self) -> int:
        if self._fd is None:
            raise RecorderError(f"{self.path}: the recording is closed")
        return self._fd

    def pause(self) -> float:
        """Private moment: from now on blocks are written as silence; returns the marker time."""
        if not self.paused:
            self.pauses.append((self.t, None))
        return self.t

    def resume(self) -> float:
        if self.paused:
            self.pauses[-1] = (self.pauses[-1][0], self.t)
        return self.t

    def write(self, block: np.ndarray) -> None:
        fd = self.fileno()
        frames = _to_int16_stereo(block)
        if self.paused:
            frames = np.zeros_like(frames)  # keep the timeline: the call's audio clock keeps running
        try:
            self._write_all(frames.tobytes())
        except OSError as exc:
            raise self._stopped(exc, fd) from exc
        self.frames += len(frames)
        self._unsynced += len(frames)
        if self._unsynced >= self._sync_frames:
            self._sync()

    def close(self) -> float:
        """Final header, data on disk, file closed; returns the duration in seconds."""
        if self._fd is not None:
            try:
                self._sync()
            finally:
                os.close(self._fd)
                self._fd = None
        return self.t

    def __enter__(self) -> WavRecorder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _write_all(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _sync(self) -> None:
        assert self._fd is not None
        # overwriting the header reuses bytes already on disk, so it works even on a full disk
        end = HEADER_BYTES + self.frames * FRAME_BYTES
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, wav_header(self.sample_rate, self.frames * FRAME_BYTES))
        os.lseek(self._fd, end, os.SEEK_SET)
        (getattr(os, "fdatasync", None) or os.fsync)(self._fd)
        self._unsynced = 0

    def _stopped(self, exc: OSError, fd: int, started: bool = True) -> RecorderError:
        """A failed write: cut any partial frame, fix the header, close. The audio so far stays."""
        try:
            os.ftruncate(fd, HEADER_BYTES + self.frames * FRAME_BYTES)
            self._sync()
        except OSError:
            pass  # repair() on the next start fixes what we could not
        finally:
            os.close(fd)
            self._fd = None
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return DiskFull(self.path, self.t, started)
        return RecorderError(f"Recording stopped: could not write {self.path} ({exc.strerror}). "
                            "The recording up to then is kept.")


def _to_int16_stereo(block: np.ndarray) -> np.ndarray:
    if block.ndim != 2 or block.shape[1] != CHANNELS:
        raise ValueError(f"expected (frames, 2) audio (left agent, right customer), got shape {block.shape}")
    if block.dtype == np.int16:
        return np.ascontiguousarray(block, dtype="<i2")
    if np.issubdtype(block.dtype, np.floating):
        return (np.clip(block, -1.0, 1.0) * 32767.0).astype("<i2")
    raise ValueError(f"expected int16 or float audio, got {block.dtype}")


@dataclass(frozen=True)
class Repair:
    path: Path
    frames: int
    sample_rate: int
    changed: bool  # False: the file was already consistent (closed normally)

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def repair(path: str | Path) -> Repair:
    """Make a WAV left by a crash readable: RIFF/data sizes from the file length, partial frame cut."""
    path = Path(path)
    with open(path, "r+b") as f:
        head = f.read(HEADER_BYTES * 4)
        size = os.fstat(f.fileno()).st_size
        rate, block_align, data_offset, data_size = _parse(head, path)
        frames = (size - data_offset) // block_align
        expected = data_offset + frames * block_align
        changed = data_size != frames * block_align or size != expected
        if changed:
            f.truncate(expected)
            f.seek(4)
            f.write(struct.pack("<I", min(expected - 8, 0xFFFFFFFF)))
            f.seek(data_offset - 4)
            f.write(struct.pack("<I", min(frames * block_align, 0xFFFFFFFF)))
            f.flush()
            os.fsync(f.fileno())
    return Repair(path, frames, rate, changed)


def _parse(head: bytes, path: Path) -> tuple[int, int, int, int]:
    """(sample rate, block align, offset of the audio, data size in the header) of a PCM WAV."""
    if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise RecordingDamaged(f"{path}: not a WAV recording (the app may have stopped before writing it)")
    pos, rate, align = 12, 0, 0
    while pos + 8 <= len(head):
        chunk, size = struct.unpack_from("<4sI", head, pos)
        if chunk == b"fmt " and pos + 24 <= len(head):
            _, _, rate, _, align, _ = struct.unpack_from("<HHIIHH", head, pos + 8)
        elif chunk == b"data":
            if not rate or not align:
                break
            return rate, align, pos + 8, size
        pos += 8 + size + (size & 1)
    raise RecordingDamaged(f"{path}: the WAV header is damaged and cannot be repaired")
