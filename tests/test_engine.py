"""CallEngine: deterministic replay, any block size, floor transfer, finish semantics."""

from __future__ import annotations

import numpy as np
import pytest

from coach_app.asr.sphinx import SphinxFactory
from coach_app.audio.wavsource import open_call
from coach_app.engine import CallEngine
from coach_app.events import Nudge, SpeechEnded, SpeechStarted, Words
from coach_app.prompts import default_rules
from coach_app.settings import Settings
from conftest import FIXTURES


def run(wav, block_s=0.5):
    call = open_call(wav)
    settings = Settings()
    engine = CallEngine(settings, SphinxFactory(), default_rules(settings), call.channels)
    events = []
    for block in call.blocks(block_s):
        events += engine.feed(block)
    return events + engine.finish()


@pytest.fixture(scope="module")
def quick_call(render):
    return render((FIXTURES / "quick_reply.call").read_text())


def test_replay_is_deterministic(quick_call):
    wav, _ = quick_call
    first, second = run(wav), run(wav)
    assert first == second
    assert any(isinstance(e, Nudge) for e in first) and any(isinstance(e, Words) and e.final for e in first)


def test_block_size_does_not_change_events(quick_call):
    wav, _ = quick_call
    assert run(wav, block_s=0.02) == run(wav, block_s=1.3)


def test_agent_onset_closes_the_customer_turn_before_it_starts(quick_call):
    """The customer's end must be known when the agent starts, even inside the VAD hangover."""
    wav, truth = quick_call
    events = [e for e in run(wav) if isinstance(e, (SpeechStarted, SpeechEnded))]
    agent_start = next(i for i, e in enumerate(events) if isinstance(e, SpeechStarted) and e.channel == "agent")
    customer_end = next(i for i, e in enumerate(events) if isinstance(e, SpeechEnded) and e.channel == "customer")
    assert customer_end < agent_start
    assert events[customer_end].t == pytest.approx(truth[0].t1, abs=0.15)


def test_wrong_channel_count_is_refused():
    engine = CallEngine(Settings(), None, [])
    with pytest.raises(ValueError, match="2 channel"):
        engine.feed(np.zeros((320, 3), np.int16))


def test_finish_closes_speech_still_open():
    engine = CallEngine(Settings(), None, [], ("mixed",))
    rng = np.random.default_rng(1)
    t = np.arange(16000) / 16000
    voiced = (8000 * np.sin(2 * np.pi * 150 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)) + rng.normal(0, 200, len(t)))
    events = engine.feed(np.concatenate([np.zeros(8000), voiced]).astype(np.int16))
    events += engine.finish()
    kinds = [type(e) for e in events if isinstance(e, (SpeechStarted, SpeechEnded))]
    assert kinds == [SpeechStarted, SpeechEnded]
    assert engine.finish() == []
    with pytest.raises(RuntimeError):
        engine.feed(np.zeros(320, np.int16))
