"""Every synthetic voice, by language: Debian's flite voices speak English, espeak-ng's Mandarin
voice speaks Chinese. Practice customers and scripted calls pick a voice here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from coach_app.synth.espeak import ESPEAK_VOICES, EspeakError, EspeakMissing, render_espeak
from coach_app.synth.flite import FliteError, FliteMissing, render_text
from coach_app.synth.script import VOICES as FLITE_VOICES

LANGUAGE_VOICES: dict[str, tuple[str, ...]] = {"en": FLITE_VOICES, "zh": tuple(ESPEAK_VOICES)}
ALL_VOICES: tuple[str, ...] = FLITE_VOICES + tuple(ESPEAK_VOICES)
DEFAULT_VOICE = {"en": "slt", "zh": "cmn"}
VOICE_ERRORS = (FliteMissing, FliteError, EspeakMissing, EspeakError)  # a voice that cannot speak: words for the user


def speak(text: str, voice: str, cache_dir: str | Path | None = None) -> np.ndarray:
    """`text` in `voice` as mono float32 at 16 kHz, trimmed to the speech; cached per (voice, text)."""
    if voice in ESPEAK_VOICES:
        return render_espeak(text, voice, cache_dir)
    return render_text(text, voice, cache_dir)


def language_of(voice: str) -> str | None:
    return next((lang for lang, voices in LANGUAGE_VOICES.items() if voice in voices), None)


__all__ = ["ALL_VOICES", "DEFAULT_VOICE", "LANGUAGE_VOICES", "VOICE_ERRORS", "language_of", "speak"]
