"""Voice activity on the real recorded phone call in ../shared/data/real (8 kHz, noise floor, hum, a
noise-gated agent track, echo of the agent on the customer track).

There is no transcript; the expected figures below were read off the waveform by eye (plots of both
tracks, 2026-11-23) and are what a person sees: 12 agent replies, 11 of them under 2 s.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from coach_app.audio.wavsource import open_call
from coach_app.engine import CallEngine
from coach_app.report.summary import response_gaps, segments, turns
from coach_app.settings import Settings

REAL_CALL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "auto_repairs_40_stereo_8k.wav"

# (channel, onset or end, time in s) read off the waveform; ±0.15 s like the synthetic tests
EYE_MARKS = [
    ("agent", "t0", 0.38), ("agent", "t1", 5.80),  # greeting (the gate opens at 0.2 s); the click at 7.2 s is not speech
    ("customer", "t0", 6.86),
    ("agent", "t0", 44.88),
    ("agent", "t0", 90.44),
    ("customer", "t0", 119.78),
    ("agent", "t0", 201.64),
]


@pytest.fixture(scope="module")
def real_segments():
    assert REAL_CALL.is_file(), f"the real call is expected at {REAL_CALL} (see ../shared/data/real/README.md)"
    call = open_call(REAL_CALL)
    engine = CallEngine(Settings(), None, [], call.channels)
    events = []
    for block in call.blocks():
        events += engine.feed(block)
    return segments(events + engine.finish())


def test_turns_and_replies_match_the_waveform(real_segments):
    gaps = response_gaps(real_segments)
    assert len(gaps) == 12
    assert sum(g < 2.0 for g in gaps) == 11
    assert 0.4 <= statistics.median(gaps) <= 0.9
    assert 22 <= len(turns(real_segments)) <= 28


@pytest.mark.parametrize("channel, edge, t", EYE_MARKS)
def test_segment_edges_where_the_eye_puts_them(real_segments, channel, edge, t):
    own = [getattr(s, edge) for s in real_segments if s.channel == channel]
    assert min(abs(x - t) for x in own) <= 0.15


def test_echo_on_the_customer_track_is_not_customer_speech(real_segments):
    """During the agent's 28 s explanation (90-118 s) the customer track carries only the agent's echo."""
    inside = [s for s in real_segments if s.channel == "customer" and 91.0 < s.t0 < 118.0]
    assert inside == []
