"""Drills from the agent's own reviewed calls: a moment the coach marked missed becomes a one-step
scenario, scored by `run_practice` like any other.

The customer's line is the recogniser's transcript of their words, spoken again by a synthetic voice
(flite in English, espeak-ng in Chinese):
a drill never plays the real customer's recording (it is their voice, and it stays in the library).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coach_app.practice.scenario import EMOTIONS, Scenario, Step
from coach_app.settings import LANGUAGES
from coach_app.store import StoreError
from coach_app.synth.voices import DEFAULT_VOICE

if TYPE_CHECKING:
    from coach_app.store.library import Library

# monologue and closing judge minutes of a call, not one answer to one line: no drill for them.
DRILLABLE = ("pause", "label_emotion", "help_offer", "timeframe", "why_question", "hollow_apology")
# Kinds whose moment is the agent's own line: the cue to rehearse is the customer's line before it.
AGENT_LINE_KINDS = ("pause", "timeframe", "why_question", "hollow_apology")
LABELS = {"pause": "Pause before answering", "label_emotion": "Name the feeling", "help_offer": "Offer help",
          "timeframe": "Give a concrete time", "why_question": "Ask what or how, not why",
          "hollow_apology": "Make the apology personal"}
MAX_WORDS = 50  # a one-minute drill: the last utterances of a long turn are the cue
SLACK_S = 0.3  # a nudge's time and its utterance's first word differ by the VAD pre-roll
_CJK = re.compile(r"[\u3400-\u9fff]")


class DrillError(ValueError):
    """Why this call (or moment) cannot become a drill, in plain words."""


@dataclass(frozen=True)
class Moment:
    number: int  # 1-based, as `practice --drill CALL --list` shows it and `--moment N` takes it
    nudge_id: str  # the engine's id, e.g. "pause-1" (also accepted as the moment)
    kind: str
    t: float  # seconds into the call
    customer: str  # the customer's words that led to it; "" when none were recognised
    emotion: str  # one of EMOTIONS ("none" unless the moment is label_emotion)
    message: str  # what the coach said then, and what it suggested
    suggestion: str


def drillable(library: Library, call_id: int) -> list[Moment]:
    """The call's missed moments that can be drilled, in call order. Raises DrillError."""
    detail = _detail(library, call_id)
    missed = [n for n in detail.nudges if n["outcome"] == "missed" and n["kind"] in DRILLABLE]
    return [Moment(i, n["nudge_id"], n["kind"], n["t"], _customer_line(detail.utterances, n["kind"], n["t"]),
                   _emotion(n), n["message"] or "", n["suggestion"] or "")
            for i, n in enumerate(missed, start=1)]


def drill_from_call(library: Library, call_id: int, moment: int | str | Moment | None = None) -> Scenario:
    """A one-step scenario from a missed moment (see `choose_moment`). The step expects just the
    missed kind; other misses in the answer still show on the scorecard, as unexpected."""
    chosen = moment if isinstance(moment, Moment) else choose_moment(library, call_id, moment)
    language = call_language(library, call_id)
    step = Step(_spoken(chosen.customer), chosen.emotion, (chosen.kind,))
    description = f"At {_clock(chosen.t)} in your call the coach noted: {chosen.message}. {chosen.suggestion}".strip()
    return Scenario(f"drill-call{call_id}-{_slug(chosen.nudge_id)}",
                    f"Drill: {LABELS[chosen.kind]} from your call of {_date(library, call_id)}",
                    language, DEFAULT_VOICE[language], (step,), description,
                    f"<call {call_id}, {chosen.nudge_id}>")


def choose_moment(library: Library, call_id: int, moment: int | str | None = None) -> Moment:
    """`moment`: its number (1-based, as `drillable` lists them) or its nudge id; None picks the
    first one whose customer words were recognised. Raises DrillError when no drill can be made."""
    moments = drillable(library, call_id)
    if not moments:
        raise DrillError(f"call {call_id} has no missed moments to drill (only {', '.join(DRILLABLE)} can be)")
    chosen = _choose(moments, moment, call_id)
    if not chosen.customer:
        mono = " (the call is mono, so the customer's words cannot be told apart)" if _is_mono(library, call_id) else ""
        raise DrillError(f"call {call_id}, moment {chosen.number} ({chosen.kind}): the customer's words before it "
                         f"were not recognised{mono}, so there is no line to say again")
    return chosen


def call_language(library: Library, call_id: int) -> str:
    """The language recorded with the call; imported calls (`analyze --save`) have none, so their
    transcript decides (any CJK character: Chinese)."""
    rows = list(library.db.query("SELECT language FROM calls WHERE id = ?", [call_id]))
    if not rows:
        raise DrillError(f"call {call_id} is not in the library (see coach-app review for your calls)")
    if rows[0]["language"] in LANGUAGES:
        return str(rows[0]["language"])
    texts = library.db.query("SELECT text FROM utterances WHERE call_id = ?", [call_id])
    return "zh" if any(_CJK.search(r["text"] or "") for r in texts) else "en"


def _detail(library: Library, call_id: int) -> Any:
    try:
        return library.call_detail(call_id)
    except StoreError as exc:
        raise DrillError(f"call {call_id} is not in the library (see coach-app review for your calls)") from exc


def _customer_line(utterances: list[dict[str, Any]], kind: str, t: float) -> str:
    """The customer's run of utterances just before the moment. For the agent's own lines the cut is
    where that line starts, so a customer "mm-hm" over it is not taken for the cue."""
    cut = t + SLACK_S
    if kind in AGENT_LINE_KINDS:
        own = [u for u in utterances if u["channel"] == "agent" and u["t0"] <= t + SLACK_S]
        cut = own[-1]["t0"] if own else cut
    before = [u for u in utterances if u["t0"] < cut]
    while before and before[-1]["channel"] == "agent":
        before.pop()
    run: list[str] = []
    while before and before[-1]["channel"] == "customer":
        text = (before.pop()["text"] or "").strip()
        if run and len(" ".join([text, *run]).split()) > MAX_WORDS:
            break
        if text:
            run.insert(0, text)
    return " ".join(run)


def _emotion(nudge: dict[str, Any]) -> str:
    if nudge["kind"] != "label_emotion":
        return "none"
    evidence = json.loads(nudge["evidence_json"] or "{}")
    name = evidence.get("emotion", "upset")  # a raised voice carries no word: upset, as the rule says
    return name if name in EMOTIONS else "upset"


def _choose(moments: list[Moment], moment: int | str | None, call_id: int) -> Moment:
    if moment is None:
        return next((m for m in moments if m.customer), moments[0])
    for m in moments:
        if moment in (m.number, m.nudge_id):
            return m
    raise DrillError(f"call {call_id} has no moment {moment!r} to drill (moments 1-{len(moments)}: "
                     f"{', '.join(m.nudge_id for m in moments)})")


def _spoken(text: str) -> str:
    """Recognisers give lower case without punctuation; a capital and a full stop read better and
    make the voice end the line as a sentence. Chinese transcripts come with spaces between words."""
    if _CJK.search(text):
        text = "".join(text.split())
        return text if text[-1:] in "。？！" else text + "。"
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".?!" else text + "."


def _date(library: Library, call_id: int) -> str:
    started = next(iter(library.db.query("SELECT started_at FROM calls WHERE id = ?", [call_id])))["started_at"]
    try:
        day = datetime.fromisoformat(started).astimezone()
    except ValueError:
        return str(started)[:10]
    return f"{day.day} {day:%B %Y}"


def _is_mono(library: Library, call_id: int) -> bool:
    return any(r["layout"] == "mono" for r in library.db.query("SELECT layout FROM calls WHERE id = ?", [call_id]))


def _clock(t: float) -> str:
    minutes, seconds = divmod(int(t), 60)
    return f"{minutes}:{seconds:02d}"


def _slug(nudge_id: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", nudge_id.lower())
