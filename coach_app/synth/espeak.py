"""Speak Chinese with espeak-ng's Mandarin voice: mono float32 at 16 kHz, silence trimmed, cached.

flite only speaks English; espeak-ng (a Debian package, offline) is what gives the Chinese practice
customer a voice. Its plain `cmn` voice reads the pinyin it derives from characters with the tone
digits in English ("tong two"), so the pinyin-aware `cmn-latn-pinyin` voice is the one used.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from coach_app.synth.flite import SAMPLE_RATE, cached_speech, trim_silence

ESPEAK_VOICES = {"cmn": "cmn-latn-pinyin"}  # our name -> espeak-ng's
_INSTALL_HINT = "espeak-ng is not installed (it speaks the Chinese customer's lines): sudo apt-get install espeak-ng"


class EspeakMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(_INSTALL_HINT)


class EspeakError(RuntimeError):
    """espeak-ng ran but gave no usable speech."""


def render_espeak(text: str, voice: str, cache_dir: str | Path | None = None) -> np.ndarray:
    if voice not in ESPEAK_VOICES:
        raise ValueError(f"unknown espeak-ng voice {voice!r} (use one of {', '.join(ESPEAK_VOICES)})")
    return cached_speech(text, voice, cache_dir, lambda: _run(text, voice), EspeakError)


def _run(text: str, voice: str) -> np.ndarray:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise EspeakMissing()
    with tempfile.TemporaryDirectory(prefix="coach-espeak-") as tmp:
        wav = Path(tmp) / "line.wav"
        proc = subprocess.run([binary, "-v", ESPEAK_VOICES[voice], "-w", str(wav), text],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not wav.is_file() or wav.stat().st_size <= 44:
            raise EspeakError(f"espeak-ng failed for voice {voice!r}: {proc.stderr.strip() or proc.returncode}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=False)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    audio = soxr.resample(audio, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else audio
    return trim_silence(np.ascontiguousarray(audio, dtype=np.float32), SAMPLE_RATE)
