"""The bundled demo call as a WAV: rendered once with flite into the data dir's cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

from coach_app import paths
from coach_app.synth import load_script, render_call, sample_path, write_call

DEMO = "struggling_agent"


def demo_wav(name: str = DEMO) -> Path:
    """Path of the rendered sample call; renders it (a second or two) the first time.
    Raises FliteMissing when flite is not installed."""
    script = sample_path(name)
    key = hashlib.sha1(script.read_bytes()).hexdigest()[:10]  # a changed script renders again
    cache = paths.ensure_private_dir(paths.data_dir() / "cache")
    wav = cache / f"{name}-{key}.wav"
    if not wav.is_file():
        write_call(render_call(load_script(script)), wav)
    return wav
