"""Coaching rules: each consumes engine events and emits nudges and their resolutions."""

from __future__ import annotations

from coach_app.prompts.base import Rule
from coach_app.prompts.lexicon import Lexicon, load_lexicon
from coach_app.prompts.pause import PauseRule
from coach_app.settings import Settings


def default_rules(settings: Settings, lexicon: Lexicon | None = None) -> list[Rule]:
    lexicon = lexicon or load_lexicon(settings.language)
    return [PauseRule(settings.pause, lexicon)]


__all__ = ["Rule", "default_rules", "Lexicon", "load_lexicon", "PauseRule"]
