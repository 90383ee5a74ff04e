"""Test data for the store tests: deterministic stereo audio and a call's events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from coach_app.events import Event, Nudge, NudgeResolved, Word, Words

RATE = 16000


def tone(seconds: float, left_hz: float = 220.0, right_hz: float = 330.0, rate: int = RATE) -> np.ndarray:
    """(n, 2) int16: a distinct, deterministic signal per channel, so lost or shifted audio shows."""
    t = np.arange(int(seconds * rate)) / rate
    return (np.stack([np.sin(2 * np.pi * left_hz * t), 0.5 * np.sin(2 * np.pi * right_hz * t)], axis=1)
            * 20000).astype(np.int16)


def write_wav(path: Path, seconds: float = 2.0) -> Path:
    sf.write(str(path), tone(seconds), RATE, subtype="PCM_16")
    return path


def call_events(*lines: tuple[str, float, float, str], nudges: int = 1, resolve: bool = True) -> list[Event]:
    """Final Words per line, plus `nudges` pause nudges (the first resolved satisfied when `resolve`)."""
    events: list[Event] = []
    for channel, t0, t1, text in lines:
        words = tuple(Word(w, t0, t1) for w in text.split())
        events.append(Words(channel, t0, t1, text, words))  # type: ignore[arg-type]
        events.append(Words(channel, t0, t1, text + " (partial)", final=False))  # type: ignore[arg-type]
    for i in range(nudges):
        events.append(Nudge(f"pause-{i}", "pause", 1.0 + i, "Wait before answering", "Count to two"))
    if resolve and nudges:
        events.append(NudgeResolved("pause-0", 2.0, "satisfied"))
    return events


SUMMARY = {"type": "summary", "duration": 2.0, "engine": "test", "turns": 2, "talk_ratio": 0.5,
           "median_response_gap": 0.4, "overlaps": 0, "realtime_factor": None}
