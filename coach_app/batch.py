"""Run the engine over a recorded call: used by `analyze`, the desktop window, benchmarks, tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from coach_app.asr.base import RecogniserFactory
from coach_app.audio.wavsource import CallAudio
from coach_app.engine import CallEngine
from coach_app.events import Event
from coach_app.prompts import default_rules
from coach_app.prompts.runner import RuleRunner
from coach_app.report.summary import summarize
from coach_app.settings import Settings
from coach_app.transcript import Utterance, transcript_events


@dataclass(frozen=True)
class CallResult:
    events: list[Event]
    summary: dict
    stage_seconds: dict


def analyze_call(
    call: CallAudio,
    settings: Settings,
    recognisers: RecogniserFactory | None,
    on_events: Callable[[list[Event]], None] | None = None,
) -> CallResult:
    """Every event of the call, in order; `on_events` sees them as they happen (streaming output)."""
    engine = CallEngine(settings, recognisers, default_rules(settings), call.channels)
    events: list[Event] = []
    start = time.perf_counter()
    for block in call.blocks():
        new = engine.feed(block)
        events += new
        if on_events and new:
            on_events(new)
    tail = engine.finish()
    events += tail
    if on_events and tail:
        on_events(tail)
    wall = time.perf_counter() - start
    summary = summarize(events, call.duration, engine.engine_name, wall, call.mono)
    return CallResult(events, summary, dict(engine.stage_seconds))


def analyze_transcript(utterances: list[Utterance], settings: Settings) -> CallResult:
    """The same rules over a timed transcript (no audio, no recogniser)."""
    runner = RuleRunner(default_rules(settings))
    start = time.perf_counter()
    duration = max(u.t1 for u in utterances)
    events = runner.dispatch(transcript_events(utterances))
    events += runner.finish(duration)
    wall = time.perf_counter() - start
    summary = summarize(events, duration, "transcript", wall, mono=False)
    return CallResult(events, summary, {"rules": runner.seconds})
