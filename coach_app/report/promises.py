"""'Promises I made': every concrete time the agent committed to in a call, with when they said it.

Uses the same `[timeframe] concrete_patterns` as the live timeframe rule, so what counts as a
concrete time is defined once, per language, in the lexicon files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from coach_app.prompts.lexicon import Lexicon, load_lexicon, normalise

SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")
CJK = re.compile(r"[\u3400-\u9fff]")
JOIN_GAP = 4  # "friday at five pm": matches this close read as one time, not two


class Promise(NamedTuple):
    t: float  # seconds into the call (the start of the line it was said in)
    text: str  # the sentence holding the commitment, as transcribed
    when: str  # the concrete time(s) matched, normalised ("friday at five pm")


def promises(utterances: Iterable[Mapping[str, Any]], lexicon: Lexicon) -> list[Promise]:
    """The agent's lines, sentence by sentence, that name a concrete time; in call order."""
    patterns = [re.compile(p) for p in lexicon.patterns("timeframe", "concrete_patterns")]
    found: list[Promise] = []
    for u in sorted(utterances, key=lambda u: float(u["t0"])):
        if u.get("channel") != "agent":
            continue  # a time the customer mentions is not a promise
        for sentence in _sentences(str(u.get("text") or "")):
            when = _concrete(normalise(sentence), patterns)
            if when:
                found.append(Promise(float(u["t0"]), sentence, when))
    return found


def language_of(utterances: Iterable[Mapping[str, Any]]) -> str:
    """'zh' when the transcript is written in Chinese characters, else 'en' (older rows store no language)."""
    return "zh" if any(CJK.search(str(u.get("text") or "")) for u in utterances) else "en"


def call_promises(utterances: list[dict[str, Any]], language: str | None = None) -> list[Promise]:
    return promises(utterances, load_lexicon(language or language_of(utterances)))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def _concrete(said: str, patterns: list[re.Pattern[str]]) -> str:
    spans = sorted({m.span() for p in patterns for m in p.finditer(said) if m.end() > m.start()})
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + JOIN_GAP:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return ", ".join(said[a:b].strip() for a, b in merged)


__all__ = ["Promise", "call_promises", "language_of", "promises"]
