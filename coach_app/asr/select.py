"""`--engine auto|vosk|sphinx`: which recogniser to use, and why, in words the agent can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach_app.asr.base import ModelMissing, RecogniserFactory
from coach_app.settings import HintSettings

ENGINES = ("auto", "vosk", "sphinx")


@dataclass(frozen=True)
class Choice:
    factory: RecogniserFactory
    note: str = ""  # e.g. why auto fell back to the bundled engine


def choose_engine(engine: str, language: str, models_dir: Path, hints: HintSettings | None = None) -> Choice:
    """Raises ModelMissing when Vosk was asked for explicitly and cannot be loaded. `hints`: the
    bundled engine's keyword spotter (settings [hints])."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    if engine in ("auto", "vosk"):
        from coach_app.asr.vosk_engine import load_vosk

        try:
            return Choice(load_vosk(language, models_dir))
        except ModelMissing as exc:
            if engine == "vosk":
                raise
            vosk_problem = str(exc)
    else:
        vosk_problem = ""
    if language != "en":
        # vosk_problem already says where we looked and what to install: do not say it twice
        raise ModelMissing(f"The bundled engine only knows English. {vosk_problem}" if vosk_problem else
                           f"The bundled engine only knows English; for '{language}' install a Vosk model "
                           "(coach-app models install vosk-small-cn).")
    from coach_app.asr.sphinx import SphinxFactory

    note = f"Using the bundled engine. {vosk_problem}" if vosk_problem else ""
    return Choice(SphinxFactory(hints), note)
