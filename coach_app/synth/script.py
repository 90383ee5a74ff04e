"""The call-script format: one utterance per line, `SPEAKER[/VOICE] GAP: TEXT`.

    # double charge, agent answers too fast
    customer/slt 0.5: I was charged twice for my order.
    agent 0.4: Okay, can I have your order number?
    customer -0.3: It is four five six seven eight.
    end 1.0

GAP is the silence in seconds between the end of the speech so far and the start of this line
(negative = overlap; the first line's gap is the lead-in). A voice given once sticks to that
speaker. `end SECONDS` sets the trailing silence. Overlap that reaches back past the previous
line's start depends on rendered durations, so `render_call` reports it, not the parser.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SPEAKERS: tuple[str, ...] = ("agent", "customer")
# Debian's flite voices that read arbitrary text (awb_time only speaks clock times).
VOICES: tuple[str, ...] = ("slt", "rms", "awb", "kal16", "kal")
DEFAULT_VOICES: dict[str, str] = {"agent": "rms", "customer": "slt"}
DEFAULT_END = 0.5


class ScriptError(ValueError):
    """A mistake in a call script, located by source name and 1-based line number (0 = whole script)."""

    def __init__(self, source: str, lineno: int, reason: str) -> None:
        self.source = source
        self.lineno = lineno
        self.reason = reason
        where = f"{source}:{lineno}" if lineno else source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Line:
    speaker: str
    voice: str
    gap: float
    text: str
    lineno: int = field(default=0, compare=False)  # for errors found only at render time


@dataclass(frozen=True)
class Script:
    lines: tuple[Line, ...]
    end: float = DEFAULT_END
    source: str = "<script>"


def parse_script(text: str, source: str = "<script>") -> Script:
    lines: list[Line] = []
    voices = dict(DEFAULT_VOICES)
    end: float | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue

        def fail(reason: str) -> ScriptError:
            return ScriptError(source, lineno, reason)

        if end is not None:
            raise fail("nothing but comments may follow the 'end' line")
        head, colon, body = stripped.partition(":")
        words = head.split()
        if not colon and words and words[0].lower() == "end":
            if len(words) != 2:
                raise fail(f"expected 'end SECONDS', got {stripped!r}")
            end = _seconds(words[1], fail, what="trailing silence")
            if end < 0:
                raise fail(f"trailing silence must not be negative, got {words[1]}")
            continue
        if not colon:
            raise fail(f"missing ':' between the gap and the text in {stripped!r}")
        if len(words) != 2:
            raise fail(f"expected 'SPEAKER[/VOICE] GAP:' before the colon, got {head.strip()!r}")
        speaker, _, voice = words[0].lower().partition("/")
        if speaker not in SPEAKERS:
            raise fail(f"unknown speaker {speaker!r} (use {' or '.join(SPEAKERS)})")
        if "/" in words[0]:
            from coach_app.synth.voices import ALL_VOICES  # here: voices.py imports this module

            if voice not in ALL_VOICES:
                raise fail(f"unknown voice {voice!r} (voices: {', '.join(ALL_VOICES)})")
            voices[speaker] = voice
        gap = _seconds(words[1], fail, what="gap")
        if not lines and gap < 0:
            raise fail(f"the first line cannot overlap anything: gap {words[1]} is negative")
        if lines and gap < 0 and lines[-1].speaker == speaker:
            raise fail(f"{speaker} cannot overlap their own previous line (gap {words[1]})")
        body = body.strip()
        if not body:
            raise fail("empty text after ':'")
        lines.append(Line(speaker, voices[speaker], gap, body, lineno))
    if not lines:
        raise ScriptError(source, 0, "no lines to say")
    return Script(tuple(lines), DEFAULT_END if end is None else end, source)


def load_script(path: str | Path) -> Script:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(str(path), 0, f"not UTF-8 text ({exc.reason})") from None
    return parse_script(text, source=str(path))


def _seconds(token: str, fail: Callable[[str], ScriptError], what: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise fail(f"bad {what} {token!r}: expected seconds such as 0.5 or -0.3") from None
    if not math.isfinite(value):
        raise fail(f"bad {what} {token!r}: must be a finite number of seconds")
    return value
