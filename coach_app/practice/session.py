"""A headless practice run: the customer's lines and the trainee's answers laid on one stereo
timeline, the real engine over it, and a scorecard per step.

Left = trainee (agent), right = customer, as on a real call. Each answer starts right after the
customer's line, so its own leading silence is the pause the trainee left.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from coach_app import paths
from coach_app.asr.base import RecogniserFactory
from coach_app.audio import SAMPLE_RATE
from coach_app.audio.wavsource import open_call
from coach_app.batch import analyze_call
from coach_app.events import Event, Words
from coach_app.practice.answers import Answer
from coach_app.practice.scenario import Scenario
from coach_app.report.timeline import nudge_records
from coach_app.settings import Settings
from coach_app.synth.voices import speak

LEAD_IN_S = 0.5
NEXT_LINE_S = 0.6  # the customer comes back this long after the trainee stops
TAIL_S = 1.5  # room after the last answer for the engine to close the turn
PEAK = 10 ** (-6.0 / 20)
# `closing` judges a whole call's ending; a practice run stops mid-conversation.
NOT_SCORED = ("closing",)


@dataclass(frozen=True)
class Span:
    start: float  # the customer's line starts
    answer: float  # the customer's line ends: the trainee may speak
    end: float  # the trainee's last word


@dataclass(frozen=True)
class StepScore:
    step: int
    customer: str
    answer_text: str
    kinds: dict[str, bool]  # expected kind -> passed
    unexpected: list[str]  # kinds missed here that the step did not expect


@dataclass(frozen=True)
class Scorecard:
    scenario: str
    steps: list[StepScore]
    recording: Path | None = None  # kept when the run is saved to the library
    events: list[Event] = field(default_factory=list, compare=False, repr=False)
    summary: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def score(self) -> int:
        return sum(passed for s in self.steps for passed in s.kinds.values())

    @property
    def max(self) -> int:
        return sum(len(s.kinds) for s in self.steps)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario,
                "steps": [{"step": s.step, "customer": s.customer, "answer_text": s.answer_text,
                           "kinds": s.kinds, "unexpected": s.unexpected} for s in self.steps],
                "score": self.score, "max": self.max}


def customer_audio(scenario: Scenario) -> list[np.ndarray]:
    """Each line spoken once per (voice, text) and cached, so a retry starts at once."""
    cache = paths.ensure_private_dir(paths.data_dir() / "cache" / "practice")
    return [speak(step.customer, scenario.voice, cache) for step in scenario.steps]


def build_timeline(lines: list[np.ndarray], answers: list[Answer]) -> tuple[np.ndarray, list[Span]]:
    """(n, 2) float32 at 16 kHz and each step's span in seconds."""
    placed: list[tuple[int, np.ndarray, int, np.ndarray]] = []
    spans: list[Span] = []
    t = round(LEAD_IN_S * SAMPLE_RATE)
    for line, answer in zip(lines, answers):
        line = _level(line)
        reply_at = t + len(line)
        placed.append((t, line, reply_at, _level(answer.audio)))
        end = reply_at + len(answer.audio)
        spans.append(Span(t / SAMPLE_RATE, reply_at / SAMPLE_RATE, end / SAMPLE_RATE))
        t = end + round(NEXT_LINE_S * SAMPLE_RATE)
    mix = np.zeros((t - round(NEXT_LINE_S * SAMPLE_RATE) + round(TAIL_S * SAMPLE_RATE), 2), np.float32)
    for start, line, reply_at, answer_audio in placed:
        mix[start:start + len(line), 1] = line
        mix[reply_at:reply_at + len(answer_audio), 0] = answer_audio
    return mix, spans


def run_practice(scenario: Scenario, answers: list[Answer], settings: Settings,
                 recognisers: RecogniserFactory, keep_as: Path | None = None) -> Scorecard:
    """Score the answers. `keep_as`: also keep the run's stereo recording there (the library's
    recordings folder), and the card carries the events so the run can be saved as a call."""
    if len(answers) != len(scenario.steps):
        raise ValueError(f"{len(answers)} answers for {len(scenario.steps)} steps")
    mix, spans = build_timeline(customer_audio(scenario), answers)
    with tempfile.TemporaryDirectory(prefix="coach-practice-") as tmp:
        wav = keep_as or Path(tmp) / "practice.wav"  # the engine reads calls from files, as `analyze` does
        sf.write(wav, mix, SAMPLE_RATE, subtype="PCM_16")
        if keep_as is not None:
            keep_as.chmod(0o600)  # the trainee's voice: owner-only like every recording
        result = analyze_call(open_call(wav), settings, recognisers)
    card = score(scenario, spans, result.events)
    return replace(card, recording=keep_as, events=result.events, summary=result.summary) if keep_as else card


def score(scenario: Scenario, spans: list[Span], events: list[Event]) -> Scorecard:
    """A nudge belongs to the step whose span holds it; the short gap before the next customer
    line counts with the step before (a turn ends a little after the last word)."""
    bounds = [s.start for s in spans[1:]] + [float("inf")]
    missed = [n for n in nudge_records(events) if n["outcome"] == "missed"]
    words = [e for e in events if isinstance(e, Words) and e.final and e.channel == "agent" and e.text]
    steps = []
    for n, (step, span, until) in enumerate(zip(scenario.steps, spans, bounds), start=1):
        here = {m["kind"] for m in missed if span.start <= m["t"] < until}
        said = " ".join(w.text for w in words if span.answer - 0.3 <= w.t0 < until)
        steps.append(StepScore(n, step.customer, said, {k: k not in here for k in step.expect},
                               sorted(k for k in here if k not in step.expect and k not in NOT_SCORED)))
    return Scorecard(scenario.id, steps)


def render_scorecard(scenario: Scenario, card: Scorecard) -> list[str]:
    out = [f"{scenario.title} ({scenario.id}, {scenario.language})", ""]
    for s, step in zip(card.steps, scenario.steps):
        feeling = "" if step.emotion == "none" else f" [{step.emotion}]"
        out.append(f"Step {s.step}{feeling}  customer: {s.customer}")
        out.append(f"        you said: {s.answer_text or '(nothing recognised)'}")
        for kind, passed in s.kinds.items():
            out.append(f"        {'✓' if passed else '✗'} {kind}")
        if not s.kinds:
            out.append("        · nothing to do here but answer")
        for kind in s.unexpected:
            out.append(f"        ! {kind} (not expected here)")
    out += ["", f"Score: {card.score}/{card.max}"]
    return out


def _level(audio: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return audio if peak == 0.0 else (audio * np.float32(PEAK / peak)).astype(np.float32)
