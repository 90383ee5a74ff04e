"""Call synthesiser: call scripts rendered with flite (English) or espeak-ng (Mandarin) to a stereo
WAV plus its ground truth.

Used by tests, benchmarks and practice mode. Qt-free.
"""

from __future__ import annotations

from pathlib import Path

from coach_app.synth.flite import FliteError, FliteMissing, render_text, trim_silence
from coach_app.synth.render import RenderedCall, TruthLine, read_truth, render_call, write_call
from coach_app.synth.script import (
    DEFAULT_END,
    DEFAULT_VOICES,
    SPEAKERS,
    VOICES,
    Line,
    Script,
    ScriptError,
    load_script,
    parse_script,
)

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def sample_names() -> list[str]:
    """Names of the bundled sample calls (`struggling_agent`, ...)."""
    return sorted(p.stem for p in SAMPLES_DIR.glob("*.call"))


def sample_path(name: str) -> Path:
    path = SAMPLES_DIR / f"{name}.call"
    if not path.is_file():
        raise FileNotFoundError(f"no sample call {name!r} (have: {', '.join(sample_names())})")
    return path


__all__ = [
    "DEFAULT_END",
    "DEFAULT_VOICES",
    "SAMPLES_DIR",
    "SPEAKERS",
    "VOICES",
    "FliteError",
    "FliteMissing",
    "Line",
    "RenderedCall",
    "Script",
    "ScriptError",
    "TruthLine",
    "load_script",
    "parse_script",
    "read_truth",
    "render_call",
    "render_text",
    "sample_names",
    "sample_path",
    "trim_silence",
    "write_call",
]
