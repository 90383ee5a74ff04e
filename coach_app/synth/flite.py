"""Speak one text with one of Debian's flite voices: mono float32 at 16 kHz, silence trimmed.

Trimming matters: flite pads its output, and the call's ground truth must be the true speech
onset/offset, not the start of the padding.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from coach_app.synth.script import VOICES

SAMPLE_RATE = 16000
_INSTALL_HINT = "flite is not installed: sudo apt-get install flite"
_CACHE_VERSION = "1"  # bump when trimming/resampling changes, so stale cache entries are ignored


class FliteMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(_INSTALL_HINT)


class FliteError(RuntimeError):
    """flite ran but gave no usable speech."""


def flite_binary(name: str = "flite") -> str:
    path = shutil.which(name)
    if path is None:
        raise FliteMissing()
    return path


def render_text(text: str, voice: str, cache_dir: str | Path | None = None) -> np.ndarray:
    """Speech for `text` as mono float32 at 16 kHz, trimmed to the speech itself."""
    if voice not in VOICES:  # flite silently falls back to its default voice on unknown names
        raise ValueError(f"unknown flite voice {voice!r} (use one of {', '.join(VOICES)})")
    return cached_speech(text, voice, cache_dir, lambda: trim_silence(_run_flite(text, voice), SAMPLE_RATE), FliteError)


def cached_speech(text: str, voice: str, cache_dir: str | Path | None, synthesise: Callable[[], np.ndarray],
                  error: type[Exception]) -> np.ndarray:
    """One synthesis per (voice, text) when a cache folder is given (any synthesiser)."""
    cached = _cache_path(cache_dir, voice, text) if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return np.load(cached)
    audio = synthesise()
    if audio.size == 0:
        raise error(f"voice {voice!r} produced no audible speech for {text!r}")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: parallel test workers may render the same line at once.
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".npy")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, audio)
        os.replace(tmp, cached)
    return audio


def trim_silence(
    audio: np.ndarray, sample_rate: int, threshold_db: float = -40.0, frame_ms: float = 10.0
) -> np.ndarray:
    """Cut leading/trailing frames whose RMS is `threshold_db` or more below the peak sample."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak == 0.0:
        return audio[:0]
    frame = max(1, int(sample_rate * frame_ms / 1000))
    n = len(audio) // frame
    frames = audio[: n * frame].reshape(n, frame).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(rms >= peak * 10 ** (threshold_db / 20))
    if loud.size == 0:
        return audio[:0]
    return audio[loud[0] * frame : (loud[-1] + 1) * frame]


def _run_flite(text: str, voice: str) -> np.ndarray:
    binary = flite_binary()
    with tempfile.TemporaryDirectory(prefix="coach-flite-") as tmp:
        wav = Path(tmp) / "line.wav"
        proc = subprocess.run(
            [binary, "-voice", voice, "-t", text, "-o", str(wav)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not wav.is_file() or wav.stat().st_size <= 44:
            detail = proc.stderr.strip() or f"exit code {proc.returncode}"
            raise FliteError(f"flite failed for voice {voice!r}: {detail}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=False)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:  # e.g. the `kal` voice speaks at 8 kHz
        audio = soxr.resample(audio, rate, SAMPLE_RATE)
    return np.ascontiguousarray(audio, dtype=np.float32)


def _cache_path(cache_dir: str | Path, voice: str, text: str) -> Path:
    digest = hashlib.sha256(f"{_CACHE_VERSION}\0{voice}\0{text}".encode()).hexdigest()[:24]
    return Path(cache_dir) / f"{voice}-{digest}.npy"
