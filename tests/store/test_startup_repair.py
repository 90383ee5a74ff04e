"""The app dies mid-call; the next start repairs the recording and the call is in the list with
everything up to the crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from coach_app.store.library import Library

from .helpers import RATE, tone

CRASH = """
import os, sys
sys.path.insert(0, sys.argv[2])
from helpers import call_events, tone
from coach_app.store.library import Library
from coach_app.store.recorder import WavRecorder

library = Library(sys.argv[1])
writer = library.writer()
path = library.new_recording_path()
rec = WavRecorder(path)
call = writer.start_call(path)
signal = tone(3.0)
for i, start in enumerate(range(0, len(signal), 1600)):
    rec.write(signal[start:start + 1600])
    if i == 5:
        writer.add_events(call, call_events(("customer", 0.1, 0.5, "where is my refund"), nudges=2, resolve=True))
    if i == 12:
        writer.pause(call, rec.pause())
writer.flush()
orphan = WavRecorder(library.recordings_dir / "orphan.wav")  # its row never made it to the database
orphan.write(signal[:16000])
(library.recordings_dir / "broken.wav").write_bytes(b"RIFF")  # died before the header was complete
print(rec.frames, call.id, flush=True)
os._exit(1)  # no close, no finish_call, lock never released by us
"""


def crash(root: Path) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", CRASH, str(root), str(Path(__file__).parent)],
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    frames, call_id = out.stdout.split()
    return int(frames), int(call_id)


def test_a_crashed_call_is_repaired_and_listed(library_root: Path) -> None:
    frames, call_id = crash(library_root)
    with Library(library_root) as library:  # the dead process's lock is gone
        repaired = {r.path.name: r for r in library.startup_repair()}
        assert library.startup_repair() == []  # once is enough

        live = next(r for r in repaired.values() if r.call_id == call_id)
        assert live.status == "repaired" and live.duration == frames / RATE >= 3.0 - 1.0
        assert "recovered" in live.message
        detail = library.call_detail(call_id)
        assert detail.audio_problem == ""
        data, _ = sf.read(str(detail.audio_path), dtype="int16", always_2d=True)
        expected = tone(3.0)[:frames]
        expected[13 * 1600:] = 0  # paused from block 13 on
        assert np.array_equal(data, expected)
        assert [u["text"] for u in detail.utterances] == ["where is my refund"]
        assert sorted(n["outcome"] for n in detail.nudges) == ["missed", "satisfied"]
        assert detail.call.nudge_counts == {"pause": {"missed": 1, "satisfied": 1}}
        assert [(p["t0"], p["t1"]) for p in detail.pauses] == [(1.3, frames / RATE)]

        assert repaired["orphan.wav"].status == "repaired" and repaired["orphan.wav"].duration == 1.0
        assert repaired["broken.wav"].status == "damaged" and "could not be recovered" in repaired["broken.wav"].message
        listed = {c.id: c.status for c in library.list_calls()}
        assert listed == {r.call_id: r.status for r in repaired.values()}
        assert "cannot be played" in library.call_detail(repaired["broken.wav"].call_id).audio_problem
