"""The event vocabulary: everything the engine tells the UI, recorder, store and reports.

Times are audio seconds since the call started (from sample counts, never the wall clock), so a
call replayed from a file produces exactly the events it produced live.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, Union

Channel = Literal["agent", "customer", "mixed"]
CHANNELS: tuple[Channel, Channel] = ("agent", "customer")

Outcome = Literal["satisfied", "missed", "retracted", "dismissed"]
OUTCOMES: tuple[str, ...] = ("satisfied", "missed", "retracted", "dismissed")


@dataclass(frozen=True)
class SpeechStarted:
    channel: Channel
    t: float


@dataclass(frozen=True)
class SpeechEnded:
    channel: Channel
    t: float
    t_start: float  # onset of the segment that just ended, so rules need not keep it


@dataclass(frozen=True)
class Word:
    text: str
    t0: float
    t1: float
    conf: float = 1.0  # the recogniser's posterior, 0-1 (0 in partials: not known yet); rules never act on one unsure word


@dataclass(frozen=True)
class Words:
    """Recogniser output. A partial is superseded by the next partial or the final for its span."""

    channel: Channel
    t0: float
    t1: float
    text: str
    words: tuple[Word, ...] = ()
    final: bool = True


@dataclass(frozen=True)
class Prosody:
    channel: Channel
    t: float
    loudness_db: float  # dBFS of the voiced frames in the last window
    pitch_hz: float | None  # median F0 of the voiced frames, None when unvoiced
    words_per_min: float | None = None


@dataclass(frozen=True)
class ListeningWindow:
    """The customer finished a substantive turn: the agent's pause runs from t to until (the
    overlay's "2… 1… your turn"). Same judgement as the pause rule, so the two never disagree."""

    t: float
    until: float


@dataclass(frozen=True)
class Nudge:
    id: str
    kind: str
    t: float
    message: str
    suggestion: str = ""
    evidence: dict = field(default_factory=dict, hash=False, compare=True)
    priority: int = 50


@dataclass(frozen=True)
class NudgeResolved:
    id: str
    t: float
    outcome: Outcome


Event = Union[SpeechStarted, SpeechEnded, Words, Prosody, ListeningWindow, Nudge, NudgeResolved]


def event_to_dict(event: Event) -> dict:
    """A JSON-ready dict with a `type` field (snake_case class name)."""
    names = {
        SpeechStarted: "speech_started",
        SpeechEnded: "speech_ended",
        Words: "words",
        Prosody: "prosody",
        ListeningWindow: "listening_window",
        Nudge: "nudge",
        NudgeResolved: "nudge_resolved",
    }
    return {"type": names[type(event)], **asdict(event)}
