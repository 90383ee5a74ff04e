"""Pause recording for a private moment: silence in the file, a marker in time, the clock keeps going."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from coach_app.store.library import Library
from coach_app.store.recorder import WavRecorder

from .helpers import RATE, tone

SIGNAL = tone(3.0)


def test_paused_audio_is_written_as_silence_and_markers_are_returned(tmp_path: Path) -> None:
    with WavRecorder(tmp_path / "call.wav") as rec:
        rec.write(SIGNAL[:RATE])
        assert rec.pause() == 1.0 and rec.paused
        assert rec.pause() == 1.0  # pausing twice is one pause
        rec.write(SIGNAL[RATE:2 * RATE])
        assert rec.resume() == 2.0 and not rec.paused
        rec.write(SIGNAL[2 * RATE:])
    data, _ = sf.read(str(rec.path), dtype="int16", always_2d=True)
    assert len(data) == len(SIGNAL)  # the timeline stays aligned with the engine's events
    assert not data[RATE:2 * RATE].any()
    assert np.array_equal(data[:RATE], SIGNAL[:RATE]) and np.array_equal(data[2 * RATE:], SIGNAL[2 * RATE:])
    assert rec.pauses == [(1.0, 2.0)]


def test_pause_markers_are_stored_with_the_call(library: Library) -> None:
    writer = library.writer()
    try:
        call = writer.start_call(library.new_recording_path())
        writer.pause(call, 12.5)
        writer.resume(call, 20.0)
        writer.pause(call, 30.0)  # still paused when the call ended
        writer.finish_call(call, 31.0, None)
    finally:
        writer.close()
    pauses = library.call_detail(call.wait_id(1)).pauses
    assert [(p["t0"], p["t1"]) for p in pauses] == [(12.5, 20.0), (30.0, None)]
