"""Coaching rules: each consumes engine events and emits nudges and their resolutions."""

from __future__ import annotations

from coach_app.prompts.base import Rule
from coach_app.prompts.closing import ClosingRule
from coach_app.prompts.help_offer import HelpOfferRule
from coach_app.prompts.label_emotion import LabelEmotionRule
from coach_app.prompts.lexicon import Lexicon, load_lexicon
from coach_app.prompts.monologue import MonologueRule
from coach_app.prompts.pace import PaceRule
from coach_app.prompts.pause import PauseRule
from coach_app.prompts.phrase_rules import HollowApologyRule, WhyQuestionRule
from coach_app.prompts.timeframe import TimeframeRule
from coach_app.settings import Settings

KINDS = ("pause", "label_emotion", "help_offer", "timeframe", "why_question", "hollow_apology", "monologue", "closing")
OPTIONAL_KINDS = ("pace",)  # rules that run only when switched on in the settings


def default_rules(settings: Settings, lexicon: Lexicon | None = None) -> list[Rule]:
    lexicon = lexicon or load_lexicon(settings.language)
    optional: list[Rule] = [PaceRule(settings.pace, lexicon)] if settings.pace.enabled else []  # off by default
    return [
        PauseRule(settings.pause, lexicon),
        LabelEmotionRule(settings.label_emotion, lexicon),
        HelpOfferRule(settings.help_offer, lexicon),
        TimeframeRule(settings.timeframe, lexicon),
        WhyQuestionRule(settings.why_question, lexicon),
        HollowApologyRule(settings.hollow_apology, lexicon),
        MonologueRule(settings.monologue, lexicon),
        ClosingRule(settings.closing, lexicon),
        *optional,
    ]


__all__ = ["KINDS", "OPTIONAL_KINDS", "Rule", "default_rules", "Lexicon", "load_lexicon", "PauseRule"]
