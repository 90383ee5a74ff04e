"""`help_offer`: the customer states a problem; within their next turn or two the agent should give
an assurance ("Let me help you with that."). It tells the customer they have reached the right
person before any questions start."""

from __future__ import annotations

from coach_app.events import Event, SpeechStarted, Words
from coach_app.prompts.lexicon import Lexicon
from coach_app.prompts.spotting import Spot
from coach_app.prompts.word_rule import WordRule
from coach_app.settings import RuleSettings

AGENT_TURNS = 2


class HelpOfferRule(WordRule):
    kind = "help_offer"
    priority = 70
    listens_to = "customer"

    def __init__(self, settings: RuleSettings, lexicon: Lexicon):
        super().__init__(settings, lexicon)
        self._problems = lexicon.phrases(self.kind, "problems")
        self._assurances = lexicon.phrases(self.kind, "assurances")

    def detect(self, words: Words) -> tuple[Spot, str, dict] | None:
        spot = self.spotter.find(words, self._problems)
        return None if spot is None else (spot, self.lexicon.text(self.kind, "suggestion"), {})

    def react(self, event: Event) -> list[Event]:
        assert self.open is not None
        if isinstance(event, Words) and event.channel == "agent":
            spot = self.spotter.find(event, self._assurances)
            if spot is not None:
                return [self.close(spot.t, "satisfied")]
        if (isinstance(event, SpeechStarted) and event.channel == "customer" and self.open.confirmed
                and self.turns.turns["agent"] >= self.open.agent_turn + AGENT_TURNS):
            return [self.close(event.t, "missed")]
        return []
