"""Timed transcripts in: a call-centre's own recognition output, or hand-made test calls.

One JSON object per line: `channel` (agent|customer), `t0`, `t1` (seconds), `text`, optional
`words` as [{"text"|"word", "t0"|"start", "t1"|"end", "conf"?}, ...]. The same rules run over it as
over audio: each utterance becomes SpeechStarted, SpeechEnded and a final Words event.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from coach_app.events import CHANNELS, Event, SpeechEnded, SpeechStarted, Word, Words


class TranscriptError(ValueError):
    """A transcript line we cannot use; the message names file and line."""


@dataclass(frozen=True)
class Utterance:
    channel: str
    t0: float
    t1: float
    text: str
    words: tuple[Word, ...] = ()


def load_transcript(path: str | Path) -> list[Utterance]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"{path}: not UTF-8 text ({exc.reason})") from None
    utterances = [_parse(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    if not utterances:
        raise TranscriptError(f"{path}: no utterances")
    return sorted(utterances, key=lambda u: (u.t0, u.t1))


def _parse(line: str, where: str) -> Utterance:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise TranscriptError(f"{where}: expected a JSON object")
    channel = obj.get("channel")
    if channel not in CHANNELS:
        raise TranscriptError(f"{where}: channel must be 'agent' or 'customer', got {channel!r}")
    t0, t1 = _time(obj, "t0", where), _time(obj, "t1", where)
    if t1 < t0:
        raise TranscriptError(f"{where}: t1 ({t1}) is before t0 ({t0})")
    text = obj.get("text")
    if not isinstance(text, str):
        raise TranscriptError(f"{where}: 'text' must be a string")
    raw_words = obj.get("words") or []
    if not isinstance(raw_words, list):
        raise TranscriptError(f"{where}: 'words' must be a list of {{text, t0, t1}} objects")
    words = tuple(_word(w, f"{where} word {i + 1}") for i, w in enumerate(raw_words))
    return Utterance(channel, t0, t1, text.strip(), words)


def _time(obj: dict, key: str, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TranscriptError(f"{where}: '{key}' must be a time in seconds ≥ 0, got {value!r}")
    return float(value)


def _word(obj: object, where: str) -> Word:
    if not isinstance(obj, dict):
        raise TranscriptError(f"{where}: expected an object")
    text = obj.get("text", obj.get("word"))
    if not isinstance(text, str):
        raise TranscriptError(f"{where}: needs 'text'")
    t0 = _time({"t0": obj.get("t0", obj.get("start"))}, "t0", where)
    t1 = _time({"t1": obj.get("t1", obj.get("end"))}, "t1", where)
    conf = obj.get("conf", 1.0)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0 <= conf <= 1:
        raise TranscriptError(f"{where}: 'conf' must be between 0 and 1")
    return Word(text, t0, t1, float(conf))


def transcript_events(utterances: list[Utterance]) -> list[Event]:
    """The engine events the transcript stands for, in time order (ends before starts at a tie)."""
    timed: list[tuple[float, int, Event]] = []
    for u in utterances:
        channel = u.channel  # validated: agent|customer
        timed.append((u.t0, 1, SpeechStarted(channel, u.t0)))  # type: ignore[arg-type]
        timed.append((u.t1, 0, SpeechEnded(channel, u.t1, u.t0)))  # type: ignore[arg-type]
        timed.append((u.t1, 0, Words(channel, u.t0, u.t1, u.text, u.words, True)))  # type: ignore[arg-type]
    timed.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in timed]
