"""Practice scenarios: small TOML files, validated with file + line for every mistake.

    id = "double_charge"
    title = "Charged twice, and angry"
    language = "en"
    voice = "slt"            # the customer's voice: flite slt/rms/awb/kal16/kal (en), espeak-ng cmn (zh)

    [[steps]]
    customer = "You charged me twice for the same order and I am furious."
    emotion = "angry"
    expect = ["pause", "label_emotion", "help_offer"]

tomllib gives no positions for valid TOML, so schema mistakes are located in the raw text: the
n-th `[[steps]]` header is step n, and a key's line is searched for inside its table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coach_app.prompts import KINDS
from coach_app.settings import LANGUAGES
from coach_app.synth.voices import LANGUAGE_VOICES

EMOTIONS: tuple[str, ...] = ("none", "frustrated", "angry", "annoyed", "worried", "upset", "confused")
_TOP_KEYS = ("id", "title", "language", "voice", "description", "steps")
_STEP_KEYS = ("customer", "emotion", "expect")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER = re.compile(r"^\s*\[")
_STEPS_HEADER = re.compile(r"^\s*\[\[\s*steps\s*\]\]")


class ScenarioError(ValueError):
    """Every problem found in one or more scenario files, each as `file:line: reason`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Step:
    customer: str
    emotion: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    language: str
    voice: str
    steps: tuple[Step, ...]
    description: str = ""
    source: str = "<scenario>"


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read ({exc})"]) from exc
    return parse_scenario(text, str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise ScenarioError([f"{source}:{line}: invalid TOML: {getattr(exc, 'msg', exc)}"]) from exc
    lines = _Lines(text)
    problems: list[str] = []

    def bad(line: int, reason: str) -> None:
        problems.append(f"{source}:{line}: {reason}")

    for key in data:
        if key not in _TOP_KEYS:
            bad(lines.top(key), f"unknown key {key!r} (allowed: {', '.join(_TOP_KEYS)})")
    fields: dict[str, str] = {}
    for key in ("id", "title", "language", "voice"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            bad(lines.top(key), f"{key!r} is required and must be a non-empty string")
        else:
            fields[key] = value.strip()
    if "id" in fields and not _ID.match(fields["id"]):
        bad(lines.top("id"), f"id {fields['id']!r} must be lower-case letters, digits, '_' or '-'")
    if "language" in fields and fields["language"] not in LANGUAGES:
        bad(lines.top("language"), f"unknown language {fields['language']!r} (use one of {', '.join(LANGUAGES)})")
    voices = LANGUAGE_VOICES.get(fields.get("language", ""), ())
    if "voice" in fields and voices and fields["voice"] not in voices:
        bad(lines.top("voice"), f"unknown voice {fields['voice']!r} for language '{fields['language']}' "
                                f"(voices: {', '.join(voices)})")
    description = data.get("description", "")
    if not isinstance(description, str):
        bad(lines.top("description"), "'description' must be a string")
        description = ""

    raw_steps = data.get("steps")
    steps: list[Step] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        bad(lines.top("steps") or 1, "at least one [[steps]] table is required")
        raw_steps = []
    for n, raw in enumerate(raw_steps, start=1):
        step = _step(raw, n, lines, bad)
        if step is not None:
            steps.append(step)
    if problems:
        raise ScenarioError(problems)
    return Scenario(fields["id"], fields["title"], fields["language"], fields["voice"], tuple(steps),
                    description.strip(), source)


def _step(raw: object, n: int, lines: _Lines, bad: Callable[[int, str], None]) -> Step | None:
    where = lines.step(n)
    if not isinstance(raw, dict):
        bad(where, f"step {n} must be a table with customer, emotion, expect")
        return None
    ok = True
    for key in raw:
        if key not in _STEP_KEYS:
            bad(lines.step_key(n, key), f"step {n}: unknown key {key!r} (allowed: {', '.join(_STEP_KEYS)})")
            ok = False
    customer = raw.get("customer")
    if not isinstance(customer, str) or not customer.strip():
        bad(lines.step_key(n, "customer"), f"step {n}: the customer's line ('customer') is missing or empty")
        ok = False
    emotion = raw.get("emotion", "none")
    if emotion not in EMOTIONS:
        bad(lines.step_key(n, "emotion"), f"step {n}: unknown emotion {emotion!r} (use one of {', '.join(EMOTIONS)})")
        ok = False
    expect = raw.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(k, str) for k in expect):
        bad(lines.step_key(n, "expect"), f"step {n}: 'expect' must be a list of coaching kinds")
        return None
    for kind in expect:
        if kind not in KINDS:
            bad(lines.step_key(n, "expect"), f"step {n}: unknown coaching kind {kind!r} (use {', '.join(KINDS)})")
            ok = False
    if len(set(expect)) != len(expect):
        bad(lines.step_key(n, "expect"), f"step {n}: a kind is listed twice in 'expect'")
        ok = False
    if not ok:
        return None
    assert isinstance(customer, str) and isinstance(emotion, str)
    return Step(customer.strip(), emotion, tuple(expect))


class _Lines:
    """Line numbers (1-based) of keys and [[steps]] tables in the raw text."""

    def __init__(self, text: str) -> None:
        self.rows = text.splitlines()
        self.headers = [i for i, row in enumerate(self.rows) if _STEPS_HEADER.match(row)]

    def top(self, key: str) -> int:
        end = next((i for i, row in enumerate(self.rows) if _HEADER.match(row)), len(self.rows))
        return self._find(key, 0, end) or (1 if key != "steps" else 0)

    def step(self, n: int) -> int:
        if n <= len(self.headers):
            return self.headers[n - 1] + 1
        return self.top("steps") or 1  # inline `steps = [...]`: the array's line is the best we have

    def step_key(self, n: int, key: str) -> int:
        if n > len(self.headers):
            return self.step(n)
        start = self.headers[n - 1] + 1
        end = next((i for i in range(start, len(self.rows)) if _HEADER.match(self.rows[i])), len(self.rows))
        return self._find(key, start, end) or self.step(n)

    def _find(self, key: str, start: int, end: int) -> int:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        return next((i + 1 for i in range(start, end) if pattern.match(self.rows[i])), 0)


def _line_from_message(message: str) -> int:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else 0
