"""A recording survives the app dying mid-call: the header is kept valid as it goes, and repair()
makes the file whole from its length, with ≤ 1 s lost (here: nothing already written)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach_app.store.recorder import HEADER_BYTES, RecordingDamaged, WavRecorder, repair

from .helpers import RATE, tone

SIGNAL = tone(10.0)
BLOCK = RATE // 10  # 0.1 s, as the capture delivers it

CHILD = """
import os, sys
import numpy as np
sys.path.insert(0, sys.argv[3])
from helpers import tone
from coach_app.store.recorder import WavRecorder
signal, block = tone(10.0), 1600
rec = WavRecorder(sys.argv[1])
for start in range(0, int(float(sys.argv[2]) * 16000), block):
    rec.write(signal[start:start + block])
    print(rec.frames, flush=True)
if float(sys.argv[2]) < 10:
    os._exit(0)  # the app dies: no close(), no header update, no flush of anything
while True:
    pass
"""


def child(path: Path, seconds: float) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", CHILD, str(path), str(seconds), str(Path(__file__).parent)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


def read(path: Path) -> np.ndarray:
    data, rate = sf.read(str(path), dtype="int16", always_2d=True)
    assert rate == RATE and data.shape[1] == 2
    return data


def test_the_app_exiting_without_close_loses_nothing_after_repair(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    proc = child(path, 3.35)
    assert proc.stdout is not None
    written = int(proc.stdout.read().split()[-1])
    assert proc.wait() == 0
    assert written == 34 * BLOCK  # 3.35 s in whole 0.1 s blocks

    stale = sf.info(str(path)).frames  # readable even before repair: the header lags ≤ 0.5 s
    assert written - 0.5 * RATE <= stale < written

    fixed = repair(path)
    assert fixed.changed and fixed.frames == written
    assert np.array_equal(read(path), SIGNAL[:written])


def test_killed_mid_stream_loses_at_most_a_second(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    proc = child(path, 60)  # keeps writing until killed
    assert proc.stdout is not None
    reported = 0
    while reported < 2 * RATE:
        reported = int(proc.stdout.readline())
    proc.kill()
    proc.wait()

    fixed = repair(path)
    data = read(path)
    assert len(data) == fixed.frames >= reported - RATE
    assert np.array_equal(data, SIGNAL[:len(data)])


def test_a_copy_taken_mid_write_is_repaired(tmp_path: Path) -> None:
    rec = WavRecorder(tmp_path / "live.wav")
    for start in range(0, int(2.05 * RATE), BLOCK):
        rec.write(SIGNAL[start:start + BLOCK])
    cut = HEADER_BYTES + rec.frames * 4 - 3  # mid-frame, as a crash between two bytes would leave it
    copy = tmp_path / "copy.wav"
    with open(rec.path, "rb") as src, open(copy, "wb") as dst:
        dst.write(src.read(cut))
    rec.close()

    fixed = repair(copy)
    assert fixed.frames == rec.frames - 1
    assert np.array_equal(read(copy), SIGNAL[:rec.frames - 1])


def test_a_cleanly_closed_recording_is_left_alone(tmp_path: Path) -> None:
    with WavRecorder(tmp_path / "ok.wav") as rec:
        rec.write(SIGNAL[:RATE])
    before = rec.path.read_bytes()
    assert not repair(rec.path).changed
    assert rec.path.read_bytes() == before
    assert rec.t == 1.0


def test_a_truncated_wav_from_another_writer_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "other.wav"
    sf.write(str(path), SIGNAL[:RATE], RATE, subtype="PCM_16")
    shutil.copy(path, tmp_path / "full.wav")
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 1001)
    fixed = repair(path)
    assert fixed.frames == RATE - 251  # 1001 bytes = 250.25 frames: the partial one goes too
    assert np.array_equal(read(path), SIGNAL[:RATE - 251])


@pytest.mark.parametrize("content", [b"", b"RIFF", b"not a wav file at all" * 4])
def test_a_file_without_a_usable_header_is_reported_as_damaged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(RecordingDamaged):
        repair(path)
