"""Rules where saying the phrase is itself the miss: `why_question` ("why did you…" sounds like
blame) and `hollow_apology` ("we apologise for any inconvenience" sounds scripted)."""

from __future__ import annotations

from coach_app.events import Words
from coach_app.prompts.lexicon import Lexicon
from coach_app.prompts.spotting import Spot
from coach_app.prompts.word_rule import WordRule
from coach_app.settings import RuleSettings


class AgentPhraseRule(WordRule):
    listens_to = "agent"

    def __init__(self, settings: RuleSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self._phrases = lexicon.cues(self.kind, "phrases")

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        spot = self.spotter.find(words, self._phrases, trigger=True)
        return None if spot is None else (spot, self.lexicon.text(self.kind, "suggestion"), {})

    def resolve_on_confirm(self) -> str | None:
        return "missed"


class WhyQuestionRule(AgentPhraseRule):
    kind = "why_question"
    priority = 40

    def __init__(self, settings: RuleSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self._not_questions = lexicon.cues(self.kind, "not_questions")

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        if self.spotter.find(words, self._not_questions, trigger=True) is not None:
            return None
        return super().detect(words)


class HollowApologyRule(AgentPhraseRule):
    kind = "hollow_apology"
    priority = 45
